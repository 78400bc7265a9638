package api

import (
	"net/http"
	"strings"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
)

func (a *API) vocabularies(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	publicCache(w, r, "public, max-age=3600")
	writeJSON(w, r, http.StatusOK, map[string]any{
		"domains": accord.Domains, "algorithm_types": accord.AlgorithmTypes, "deployer_kinds": accord.DeployerKinds, "roles": accord.Roles,
		"affected_persons": accord.AffectedPersons, "statuses": accord.Statuses, "personal_data": accord.PersonalDataCategories,
		"document_kinds": accord.DocumentKinds, "organization_kinds": accord.OrganizationKinds, "localities": accord.Localities, "facts": factTerms(),
		"confidential_fields": accord.ConfidentialFields(),
	})
	return nil
}

func factTerms() []map[string]string {
	out := make([]map[string]string, len(accord.FactDocs))
	for i, d := range accord.FactDocs {
		out[i] = map[string]string{"name": d.Name, "type": d.Type, "doc": d.Doc, "source": d.Source}
	}
	return out
}

func (a *API) logInfo(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	l := a.svc.Log()
	var cp []byte
	var size int64
	err := a.svc.Store().View(r.Context(), func(tx accord.ReadTx) error {
		var err error
		if cp, err = tx.Checkpoint(r.Context()); err != nil {
			return err
		}
		size, err = tx.LogSize(r.Context())
		return err
	})
	if err != nil {
		return err
	}
	vkey := l.Verifier()
	writeJSON(w, r, http.StatusOK, map[string]any{
		"origin": l.Origin(), "verifier_key": a.verifierKey, "key_name": vkey.Name(),
		"size": size, "checkpoint": string(cp), "tiles": "/log/",
	})
	return nil
}

// Organizations.

func (a *API) registerOrganization(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	var req accord.NewOrganization
	if err := decode(w, r, &req); err != nil {
		return err
	}
	res, err := a.svc.RegisterOrganization(r.Context(), c, req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/organizations/"+res.Organization.ID)
	writeJSON(w, r, http.StatusCreated, res)
	return nil
}

func (a *API) listOrganizations(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r, "kind", "country", "cursor", "limit"); err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	page, err := a.svc.Organizations(r.Context(), accord.OrganizationQuery{Kind: q.Get("kind"), Country: q.Get("country"), Cursor: q.Get("cursor"), Limit: limit})
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, page)
	return nil
}

func (a *API) getOrganization(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	o, err := a.svc.Organization(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, o)
	return nil
}

func (a *API) issueToken(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	var req struct {
		Label string `json:"label"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	t, err := a.svc.IssueToken(r.Context(), c, r.PathValue("id"), req.Label)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusCreated, t)
	return nil
}

func (a *API) listTokens(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	ts, err := a.svc.Tokens(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"tokens": ts})
	return nil
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	// Forgotten whatever the outcome: the revocation may have committed
	// even if the request then failed.
	defer a.auth.forget(r.PathValue("token"))
	rc, err := a.svc.RevokeToken(r.Context(), c, r.PathValue("id"), r.PathValue("token"))
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"revoked": r.PathValue("token"), "receipt": rc})
	return nil
}

// Systems.

// fileBody is the body of POST /v1/systems: a filing, plus the provider
// when the admin files on a provider's behalf.
type fileBody struct {
	Provider string `json:"provider,omitempty"`
	accord.Filing
}

func (a *API) fileSystem(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if c == nil {
		return accord.Errorf(accord.EUnauthorized, "filing needs an organization's API token: send Authorization: Bearer <token>")
	}
	var body fileBody
	if err := decode(w, r, &body); err != nil {
		return err
	}
	v, err := a.svc.FileSystem(r.Context(), c, registry.FileRequest{Provider: body.Provider, Filing: body.Filing, IdempotencyKey: r.Header.Get("Idempotency-Key")})
	if err != nil {
		return err
	}
	if v.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/v1/systems/"+v.ID)
	w.Header().Set("ETag", v.ETag())
	writeJSON(w, r, http.StatusCreated, v)
	return nil
}

func (a *API) searchSystems(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r, "q", "country", "domain", "provider", "status", "framework", "tier", "node", "cursor", "limit"); err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	page, err := a.svc.Search(r.Context(), accord.SystemQuery{
		Q: q.Get("q"), Country: q.Get("country"), Domain: q.Get("domain"), Provider: q.Get("provider"),
		Status: q.Get("status"), Framework: q.Get("framework"), Tier: q.Get("tier"), Node: q.Get("node"), Cursor: q.Get("cursor"), Limit: limit,
	})
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, page)
	return nil
}

func (a *API) getSystem(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	v, err := a.svc.System(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", v.ETag())
	if match := r.Header.Get("If-None-Match"); match != "" && match == v.ETag() && c == nil {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	writeJSON(w, r, http.StatusOK, v)
	return nil
}

func (a *API) updateSystem(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if c == nil {
		return accord.Errorf(accord.EUnauthorized, "updating needs the provider's API token: send Authorization: Bearer <token>")
	}
	var f accord.Filing
	if err := decode(w, r, &f); err != nil {
		return err
	}
	v, err := a.svc.UpdateSystem(r.Context(), c, r.PathValue("id"), r.Header.Get("If-Match"), f)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", v.ETag())
	writeJSON(w, r, http.StatusOK, v)
	return nil
}

func (a *API) withdrawSystem(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if c == nil {
		return accord.Errorf(accord.EUnauthorized, "withdrawing needs the provider's API token: send Authorization: Bearer <token>")
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	v, err := a.svc.WithdrawSystem(r.Context(), c, r.PathValue("id"), r.Header.Get("If-Match"), body.Reason)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", v.ETag())
	writeJSON(w, r, http.StatusOK, v)
	return nil
}

func (a *API) listVersions(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	vs, err := a.svc.Versions(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"system": r.PathValue("id"), "versions": vs})
	return nil
}

func (a *API) getVersion(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	n, err := pathVersion(r)
	if err != nil {
		return err
	}
	v, err := a.svc.SystemAt(r.Context(), c, r.PathValue("id"), n, false)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, v)
	return nil
}

func (a *API) getReceipt(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	n, err := pathVersion(r)
	if err != nil {
		return err
	}
	rc, err := a.svc.Receipt(r.Context(), r.PathValue("id"), n)
	if err != nil {
		return err
	}
	if strings.Contains(r.Header.Get("Accept"), "text/x.tlog-proof") || r.URL.Query().Get("format") == "tlog-proof" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte(rc.Proof))
		return nil
	}
	writeJSON(w, r, http.StatusOK, rc)
	return nil
}
