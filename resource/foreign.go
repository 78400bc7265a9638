package resource

import (
	"context"
	"fmt"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
)

// Foreign resources: a peer's catalogue records, decoded by the mirror
// from its verified log entries and stored with their home, so that every
// member's catalogue is searchable everywhere (searches find them; the
// facet node:<member> selects them). They are read-only here, and this
// node's DCAT catalogue leaves them out (their home publishes its own).

// ForeignWrite returns the write that stores a resource.* entry of home's
// log: version 1 creates the record, each later version must follow the
// one stored. A record this node holds under another home, or a version
// out of order, is skipped (a *registry.SkipError), as the registry's
// foreign records are.
func ForeignWrite(home string, d *accord.DecodedEvent, ev accord.ResourceEvent) func(context.Context, accord.WriteTx) error {
	return func(ctx context.Context, tx accord.WriteTx) error {
		at, err := accord.ParseLogTime(d.Time)
		if err != nil {
			return &registry.SkipError{Msg: fmt.Sprintf("%s %s: %v", d.Type, d.Record, err)}
		}
		r := accord.Resource{ID: d.Record, Provider: ev.Provider, Version: d.Version, Status: ev.Status, Created: at, Updated: at, Home: home, ResourceFiling: ev.Filing}
		cur, err := tx.Resource(ctx, d.Record)
		switch {
		case accord.ErrorCode(err) == accord.ENotFound:
			if d.Version != 1 {
				return &registry.SkipError{Msg: fmt.Sprintf("%s %s v%d: version 1 was never decoded", d.Type, d.Record, d.Version)}
			}
		case err != nil:
			return err
		case cur.Home != home:
			return &registry.SkipError{Msg: fmt.Sprintf("%s %s: the id is held here by %q", d.Type, d.Record, cur.Home)}
		case d.Version != cur.Version+1:
			return &registry.SkipError{Msg: fmt.Sprintf("%s %s v%d: the stored version is %d", d.Type, d.Record, d.Version, cur.Version)}
		default:
			r.Created = cur.Created
		}
		return tx.PutResource(ctx, r, accord.ResourceFacets(r), accord.ResourceText(r))
	}
}
