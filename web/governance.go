package web

import (
	"net/http"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/governance"
)

// Governance's pages: the proposals with the charter in force (/governance)
// and a proposal's page (/governance/proposals/{id}): its dates, the
// rule-by-rule diff, the impact preview, the comments, the live tally with
// the counting rule, the ballots and every node's decision. Ballots are
// signed with a member's vote key, which never reaches a browser: members
// vote with `accord governance vote`.

type governanceData struct {
	Charter   *accord.SignedCharter
	Proposals []proposalRow
	Kinds     []string
	Versions  []accord.PackVersion // adopted ones only
}

type proposalRow struct {
	accord.ProposalSummary
	Closes time.Time
}

type proposalData struct {
	P      *accord.ProposalView
	Diff   *accord.PackDiff
	Impact *accord.Impact
	Filed  time.Time
	Opens  time.Time
	Closes time.Time
}

func (h *Handler) governance(w http.ResponseWriter, r *http.Request) {
	if bad := checkParams(r.URL.Query(), []string{"lang"}); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	g := h.cfg.Governance
	if g == nil {
		h.notFound(w, r)
		return
	}
	ctx := r.Context()
	d := &governanceData{Kinds: accord.DecisionKinds}
	c, err := g.Charter(ctx)
	if err == nil {
		d.Charter = c
	} else if accord.ErrorCode(err) != accord.ENotFound {
		h.fail(w, r, err)
		return
	}
	l, err := g.Proposals(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, ps := range l.Proposals {
		row := proposalRow{ProposalSummary: ps}
		row.Closes, _ = accord.ParseLogTime(ps.Closes)
		d.Proposals = append(d.Proposals, row)
	}
	vs, err := g.PackVersions(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, v := range vs {
		if v.Proposal != "" {
			d.Versions = append(d.Versions, v)
		}
	}
	p := h.newPage(r, "governance", "gov.title", d)
	p.Description = p.L.T("gov.meta")
	h.render(w, r, http.StatusOK, "governance", p)
}

func (h *Handler) proposalPage(w http.ResponseWriter, r *http.Request) {
	if bad := checkParams(r.URL.Query(), []string{"lang"}); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	g := h.cfg.Governance
	if g == nil {
		h.notFound(w, r)
		return
	}
	ctx := r.Context()
	pv, err := g.Proposal(ctx, r.PathValue("id"))
	if accord.ErrorCode(err) == accord.ENotFound {
		h.notFound(w, r)
		return
	} else if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &proposalData{P: pv}
	d.Filed, _ = accord.ParseLogTime(pv.Content.Filed)
	d.Opens, _ = accord.ParseLogTime(pv.Content.CommentsClose)
	d.Closes, _ = accord.ParseLogTime(pv.Content.Closes)
	if pv.Content.ProposedHash != "" {
		if df, err := g.Diff(ctx, pv.ID); err == nil {
			d.Diff = df
		}
	}
	if im, err := g.Impact(ctx, pv.ID, governance.ImpactQuery{Limit: 20}); err == nil {
		d.Impact = im
	}
	p := h.newPage(r, "governance", "", d)
	p.Title = p.L.Pick(pv.Content.Title).Text
	p.Description = p.L.T("gov.meta_proposal", "name", p.Title)
	h.render(w, r, http.StatusOK, "proposal", p)
}
