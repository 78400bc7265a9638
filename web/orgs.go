package web

import (
	"context"
	"sync"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
)

// orgCache keeps organization names for facets and lists, so a search page
// does not look up every provider. Organizations are few and rarely added;
// a miss reloads at once, otherwise the list is refreshed every 30 seconds.
type orgCache struct {
	reg    *registry.Service
	mu     sync.Mutex
	byID   map[string]accord.Organization
	loaded time.Time
}

const orgCacheTTL = 30 * time.Second

func (c *orgCache) get(ctx context.Context, id string) (accord.Organization, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	age := time.Since(c.loaded)
	o, ok := c.byID[id]
	if ok && age < orgCacheTTL {
		return o, true
	}
	// A miss reloads, but at most once a second: unknown ids in queries
	// must not turn into a reload per request.
	if age >= orgCacheTTL || age > time.Second {
		c.reload(ctx)
	}
	o, ok = c.byID[id]
	return o, ok
}

func (c *orgCache) reload(ctx context.Context) {
	m := map[string]accord.Organization{}
	q := accord.OrganizationQuery{Limit: 100}
	for range 1000 { // at most 100 000 organizations
		p, err := c.reg.Organizations(ctx, q)
		if err != nil {
			return // keep what we had
		}
		for _, o := range p.Organizations {
			m[o.ID] = o
		}
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	c.byID, c.loaded = m, time.Now()
}
