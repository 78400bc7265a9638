package node

import (
	"context"
	"fmt"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/demo"
	"github.com/accord-gov/accord/registry"
)

// LoadDemo fills an empty registry with the demo data set and returns how
// many systems it filed. A registry that already has organizations is left alone.
func (n *Node) LoadDemo(ctx context.Context) (int, error) {
	var existing int
	err := n.Store.View(ctx, func(tx accord.ReadTx) error {
		p, err := tx.Organizations(ctx, accord.OrganizationQuery{Limit: 1})
		if err == nil {
			existing = len(p.Organizations)
		}
		return err
	})
	if err != nil || existing > 0 {
		return 0, err
	}
	orgs, err := demo.Organizations()
	if err != nil {
		return 0, err
	}
	systems, err := demo.Systems()
	if err != nil {
		return 0, err
	}
	admin := registry.Operator()
	ids := map[string]string{}
	for _, o := range orgs {
		r, err := n.Registry.RegisterOrganization(ctx, admin, o.NewOrganization)
		if err != nil {
			return 0, fmt.Errorf("organization %s: %w", o.Key, err)
		}
		ids[o.Key] = r.Organization.ID
	}
	sysIDs := map[string]string{}
	for _, s := range systems {
		if s.BuiltOn != "" {
			id, ok := sysIDs[s.BuiltOn]
			if !ok {
				return 0, fmt.Errorf("system %s: built on %s, which is not listed before it", s.Key, s.BuiltOn)
			}
			s.Filing.BuiltOn = &accord.ModelRef{System: id}
			for i := range s.Updates {
				s.Updates[i].BuiltOn = s.Filing.BuiltOn
			}
		}
		v, err := n.Registry.FileSystem(ctx, admin, registry.FileRequest{Provider: ids[s.Provider], Filing: s.Filing, IdempotencyKey: "demo-" + s.Key})
		if err != nil {
			return 0, fmt.Errorf("system %s: %w", s.Key, err)
		}
		sysIDs[s.Key] = v.ID
		for i, u := range s.Updates {
			if v, err = n.Registry.UpdateSystem(ctx, admin, v.ID, v.ETag(), u); err != nil {
				return 0, fmt.Errorf("system %s update %d: %w", s.Key, i+1, err)
			}
		}
		if s.Withdraw != "" {
			if _, err := n.Registry.WithdrawSystem(ctx, admin, v.ID, v.ETag(), s.Withdraw); err != nil {
				return 0, fmt.Errorf("system %s withdrawal: %w", s.Key, err)
			}
		}
	}
	return len(systems), nil
}
