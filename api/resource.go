package api

import (
	"net/http"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/resource"
)

// The shared-resources catalogue: resources (public reads, providers'
// writes), needs and matches, links of systems to the resources they are
// built on, the country groups of the access terms, and the exports in
// standard formats (resource_export.go). Without the service (tests of the
// API alone) they answer 503.
func (a *API) resourceRoutes() {
	for pattern, h := range map[string]handlerFunc{
		"GET /v1/resources":                         a.searchResources,
		"POST /v1/resources":                        a.publishResource,
		"GET /v1/resources/{id}":                    a.getResource,
		"PUT /v1/resources/{id}":                    a.updateResource,
		"POST /v1/resources/{id}/withdraw":          a.withdrawResource,
		"GET /v1/resources/{id}/versions/{version}": a.getResourceVersion,
		"GET /v1/resources/{id}/matches":            a.resourceMatches,
		"GET /v1/resource-terms/groups":             a.countryGroups,
		"GET /v1/needs":                             a.listNeeds,
		"POST /v1/needs":                            a.postNeed,
		"GET /v1/needs/{id}":                        a.getNeed,
		"POST /v1/needs/{id}/close":                 a.closeNeed,
		"POST /v1/matches":                          a.proposeMatch,
		"POST /v1/matches/{id}/status":              a.setMatch,
		"GET /v1/systems/{id}/built-on":             a.builtOn,
		"POST /v1/systems/{id}/built-on":            a.linkSystem,
	} {
		a.handle(pattern, func(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
			if a.res == nil {
				return accord.Errorf(accord.EUnavailable, "this node runs without the resources catalogue")
			}
			return h(w, r, c)
		})
	}
	a.resourceExportRoutes()
}

// resourceSearchParams are the query parameters of GET /v1/resources.
var resourceSearchParams = []string{"q", "kind", "licence", "language", "country", "mode", "osaid", "mof", "free_for", "usable_by", "sector", "provider", "node", "cursor", "limit"}

// ResourceSearchOf reads a catalogue search from query parameters (the
// web's search page reads the same).
func ResourceSearchOf(r *http.Request) (accord.ResourceSearch, error) {
	q := r.URL.Query()
	limit, err := queryInt(r, "limit")
	if err != nil {
		return accord.ResourceSearch{}, err
	}
	mof, err := queryInt(r, "mof")
	if err != nil {
		return accord.ResourceSearch{}, err
	}
	s := accord.ResourceSearch{Text: q.Get("q"), Kind: q.Get("kind"), Licence: q.Get("licence"), Language: q.Get("language"),
		Country: q.Get("country"), Mode: q.Get("mode"), MOF: mof, FreeFor: q.Get("free_for"), UsableBy: q.Get("usable_by"),
		Sector: q.Get("sector"), Provider: q.Get("provider"), Node: q.Get("node"), Cursor: q.Get("cursor"), Limit: limit}
	switch q.Get("osaid") {
	case "", "false":
	case "true":
		s.OSAID = true
	default:
		return s, accord.FieldErrorf("osaid", "must be true or false, not %q", q.Get("osaid"))
	}
	return s, nil
}

func (a *API) searchResources(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r, resourceSearchParams...); err != nil {
		return err
	}
	q, err := ResourceSearchOf(r)
	if err != nil {
		return err
	}
	p, err := a.res.Search(r.Context(), q)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, p)
	return nil
}

func (a *API) publishResource(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	var f accord.ResourceFiling
	if err := decode(w, r, &f); err != nil {
		return err
	}
	v, err := a.res.Publish(r.Context(), c, f)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/resources/"+v.ID)
	w.Header().Set("ETag", v.ETag)
	writeJSON(w, r, http.StatusCreated, v)
	return nil
}

func (a *API) getResource(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	v, err := a.res.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", v.ETag)
	writeJSON(w, r, http.StatusOK, v)
	return nil
}

func (a *API) updateResource(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	var f accord.ResourceFiling
	if err := decode(w, r, &f); err != nil {
		return err
	}
	v, err := a.res.Update(r.Context(), c, r.PathValue("id"), r.Header.Get("If-Match"), f)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", v.ETag)
	writeJSON(w, r, http.StatusOK, v)
	return nil
}

func (a *API) withdrawResource(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	var body accord.Withdrawal
	if err := decode(w, r, &body); err != nil {
		return err
	}
	v, err := a.res.Withdraw(r.Context(), c, r.PathValue("id"), body.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, v)
	return nil
}

func (a *API) getResourceVersion(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	n, err := pathVersion(r)
	if err != nil {
		return err
	}
	v, err := a.res.Version(r.Context(), r.PathValue("id"), n)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, v)
	return nil
}

func (a *API) resourceMatches(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	ms, err := a.res.Matches(r.Context(), "", r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"matches": ms})
	return nil
}

func (a *API) countryGroups(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"groups": accord.CountryGroups, "spdx_license_list": accord.SPDXListVersion()})
	return nil
}

func (a *API) listNeeds(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r, "org", "status", "cursor", "limit"); err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	p, err := a.res.Needs(r.Context(), q.Get("org"), q.Get("status"), q.Get("cursor"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, p)
	return nil
}

func (a *API) postNeed(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	var f accord.NeedFiling
	if err := decode(w, r, &f); err != nil {
		return err
	}
	v, err := a.res.PostNeed(r.Context(), c, f)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/needs/"+v.ID)
	writeJSON(w, r, http.StatusCreated, v)
	return nil
}

func (a *API) getNeed(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	v, err := a.res.Need(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, v)
	return nil
}

func (a *API) closeNeed(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	var body accord.Withdrawal
	if err := decode(w, r, &body); err != nil {
		return err
	}
	v, err := a.res.CloseNeed(r.Context(), c, r.PathValue("id"), body.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, v)
	return nil
}

func (a *API) proposeMatch(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	var body accord.MatchProposal
	if err := decode(w, r, &body); err != nil {
		return err
	}
	v, err := a.res.Propose(r.Context(), c, body)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusCreated, v)
	return nil
}

func (a *API) setMatch(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	var body accord.MatchChange
	if err := decode(w, r, &body); err != nil {
		return err
	}
	v, err := a.res.SetMatch(r.Context(), c, r.PathValue("id"), body)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, v)
	return nil
}

func (a *API) builtOn(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	ls, err := a.res.BuiltOn(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"system": r.PathValue("id"), "built_on": ls})
	return nil
}

func (a *API) linkSystem(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	var body accord.SystemLinkRequest
	if err := decode(w, r, &body); err != nil {
		return err
	}
	v, err := a.res.LinkSystem(r.Context(), c, r.PathValue("id"), body)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusCreated, v)
	return nil
}

// The standard formats: import of a card or a Croissant document into a
// filing to review, and the exports.
func (a *API) resourceExportRoutes() {
	for pattern, h := range map[string]handlerFunc{
		"POST /v1/resource-imports":        a.importResource,
		"GET /v1/resources/{id}/cyclonedx": a.exportCycloneDX,
		"GET /v1/resources/{id}/spdx":      a.exportSPDX,
		"GET /v1/catalogue/dcat":           a.exportDCAT,
	} {
		a.handle(pattern, func(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
			if a.res == nil {
				return accord.Errorf(accord.EUnavailable, "this node runs without the resources catalogue")
			}
			return h(w, r, c)
		})
	}
}

// publicBase is the node's public URL, under which exports name things.
func (a *API) publicBase(r *http.Request) (base, member, software string) {
	if a.fed != nil {
		id := a.fed.Identity()
		base, member, software = id.URL, id.Member, id.Software
	}
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	if member == "" {
		member = r.Host
	}
	if software == "" {
		software = "accord"
	}
	return base, member, software
}

func (a *API) importResource(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	var req accord.ResourceImport
	if err := decode(w, r, &req); err != nil {
		return err
	}
	f, err := resource.Import(req)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, f)
	return nil
}

func (a *API) exportItem(w http.ResponseWriter, r *http.Request, contentType string, export func(*accord.Resource, string, string) ([]byte, error)) error {
	if err := knownParams(r); err != nil {
		return err
	}
	v, err := a.res.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	base, _, software := a.publicBase(r)
	b, err := export(&v.Resource, base, software)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("ETag", v.ETag)
	w.Write(b)
	return nil
}

func (a *API) exportCycloneDX(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	return a.exportItem(w, r, "application/vnd.cyclonedx+json; version=1.6", resource.CycloneDX)
}

func (a *API) exportSPDX(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	return a.exportItem(w, r, "application/spdx+json", resource.SPDX)
}

// exportDCAT streams the catalogue. An error after the first bytes can no
// longer become a problem response: the document is then cut short, and
// invalid JSON tells the reader so.
func (a *API) exportDCAT(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	base, member, _ := a.publicBase(r)
	w.Header().Set("Content-Type", "application/ld+json")
	_, err := a.res.DCAT(r.Context(), w, base, accord.Text{"en": "Shared resources of " + member}, member)
	if err != nil {
		a.logger.Error("dcat export cut short", "err", err)
	}
	return nil
}
