package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/governance"
	"github.com/accord-gov/accord/registry"
)

// Governance's routes: the charter, proposals with their diff and
// proposed pack, comments, signed ballots and the live tally. Reads are
// public; a member's writes need its node's admin token, comments an
// organization's token too. Without a governance service they answer 503.
func (a *API) governanceRoutes() {
	for pattern, h := range map[string]handlerFunc{
		"GET /v1/governance/charter":                  a.getCharter,
		"GET /v1/governance/charters":                 a.listCharters,
		"POST /v1/governance/charters":                a.installCharter,
		"GET /v1/governance/proposals":                a.listProposals,
		"GET /v1/governance/packs":                    a.packVersions,
		"POST /v1/governance/proposals":               a.propose,
		"GET /v1/governance/proposals/{id}":           a.getProposal,
		"GET /v1/governance/proposals/{id}/pack":      a.proposedPack,
		"GET /v1/governance/proposals/{id}/diff":      a.proposalDiff,
		"GET /v1/governance/proposals/{id}/tally":     a.proposalTally,
		"GET /v1/governance/proposals/{id}/impact":    a.proposalImpact,
		"POST /v1/governance/proposals/{id}/comments": a.comment,
		"POST /v1/governance/proposals/{id}/ballots":  a.vote,
	} {
		a.handle(pattern, func(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
			if a.gov == nil {
				return accord.Errorf(accord.EUnavailable, "this node runs without governance")
			}
			return h(w, r, c)
		})
	}
}

// MaxProposalBytes bounds a proposal's body: a whole pack (at most 4 MiB of
// YAML) with JSON escapes, and its texts.
const MaxProposalBytes = 10 << 20

// decodeLarge is decode with a larger body limit.
func decodeLarge(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &accord.Error{Code: errUnsupportedMedia, Message: fmt.Sprintf("Content-Type %q: send application/json", ct)}
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return accord.Errorf(accord.ETooLarge, "the request body is larger than %d bytes", limit)
		}
		return &accord.Error{Code: errBadRequest, Message: "could not read the request body: " + err.Error()}
	}
	return decodeBytes(body, v)
}

func (a *API) getCharter(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	c, err := a.gov.Charter(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, c)
	return nil
}

func (a *API) listCharters(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	cs, err := a.gov.Charters(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"charters": cs})
	return nil
}

func (a *API) installCharter(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	var req accord.CharterInstall
	if err := decodeLarge(w, r, &req, 4<<20); err != nil {
		return err
	}
	res, err := a.gov.InstallCharter(r.Context(), c, req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/governance/charter")
	writeJSON(w, r, http.StatusCreated, res)
	return nil
}

func (a *API) listProposals(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	ps, err := a.gov.Proposals(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, ps)
	return nil
}

func (a *API) propose(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	var req accord.NewProposal
	if err := decodeLarge(w, r, &req, MaxProposalBytes); err != nil {
		return err
	}
	res, err := a.gov.Propose(r.Context(), c, req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/governance/proposals/"+res.ID)
	writeJSON(w, r, http.StatusCreated, res)
	return nil
}

func (a *API) getProposal(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	p, err := a.gov.Proposal(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, p)
	return nil
}

func (a *API) proposedPack(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	data, err := a.gov.ProposedPack(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Write(data)
	return nil
}

func (a *API) proposalDiff(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	d, err := a.gov.Diff(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, d)
	return nil
}

func (a *API) proposalTally(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	p, err := a.gov.Proposal(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, p.Tally)
	return nil
}

func (a *API) comment(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	var req accord.NewComment
	if err := decode(w, r, &req); err != nil {
		return err
	}
	res, err := a.gov.Comment(r.Context(), c, r.PathValue("id"), req)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusCreated, res)
	return nil
}

func (a *API) vote(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	var req accord.NewBallot
	if err := decode(w, r, &req); err != nil {
		return err
	}
	res, err := a.gov.Vote(r.Context(), c, r.PathValue("id"), req)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusCreated, res)
	return nil
}

func (a *API) proposalImpact(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r, "country", "to", "cursor", "limit"); err != nil {
		return err
	}
	q := governance.ImpactQuery{Country: r.URL.Query().Get("country"), To: r.URL.Query().Get("to"), Cursor: r.URL.Query().Get("cursor")}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return accord.FieldErrorf("limit", "must be a whole number from 1 to 500")
		}
		q.Limit = n
	}
	if q.Country != "" && !accord.ValidCountry(q.Country) {
		return accord.FieldErrorf("country", "%q is not an ISO 3166-1 alpha-2 code", q.Country)
	}
	im, err := a.gov.Impact(r.Context(), r.PathValue("id"), q)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if im.State != "done" {
		status = http.StatusAccepted
	}
	writeJSON(w, r, status, im)
	return nil
}

func (a *API) packVersions(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	vs, err := a.gov.PackVersions(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"versions": vs})
	return nil
}
