package api

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
)

// The public incident feeds (Atom, RFC 4287; JSON Feed 1.1) and exports in
// the shapes of the AI Incident Database and the OECD AI Incidents Monitor
// (their field names as read in their public documentation; the exact
// import formats of both could not be checked: docs/INCIDENTS.md).

func (a *API) incidentFeedRoutes() {
	for pattern, h := range map[string]handlerFunc{
		"GET /v1/incident-feed.atom": a.incidentFeedAtom,
		"GET /v1/incident-feed.json": a.incidentFeedJSON,
		"GET /v1/incident-export":    a.incidentExport,
	} {
		a.handle(pattern, func(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
			if a.incidents == nil {
				return accord.Errorf(accord.EUnavailable, "this node runs without the incident service")
			}
			return h(w, r, c)
		})
	}
}

func (a *API) feed(r *http.Request, extra ...string) ([]accord.IncidentView, error) {
	if err := knownParams(r, append([]string{"q", "system", "provider", "country", "harm", "severity", "kind"}, extra...)...); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	return a.incidents.Feed(r.Context(), accord.IncidentQuery{Q: q.Get("q"), System: q.Get("system"), Provider: q.Get("provider"),
		Country: q.Get("country"), Harm: q.Get("harm"), Severity: q.Get("severity"), Kind: q.Get("kind")})
}

func base(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Lang string `xml:"xml:lang,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomEntry struct {
	ID       string     `xml:"id"`
	Title    atomText   `xml:"title"`
	Updated  string     `xml:"updated"`
	Link     atomLink   `xml:"link"`
	Summary  atomText   `xml:"summary"`
	Category []atomCat  `xml:"category"`
	Author   atomAuthor `xml:"author"`
}

type atomCat struct {
	Term   string `xml:"term,attr"`
	Scheme string `xml:"scheme,attr,omitempty"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Link    []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

func pick(t accord.Text) (lang, text string) {
	if s, ok := t["en"]; ok {
		return "en", s
	}
	tags := t.Tags()
	if len(tags) == 0 {
		return "", ""
	}
	return tags[0], t[tags[0]]
}

func updated(vs []accord.IncidentView) time.Time {
	t := time.Unix(0, 0).UTC()
	for _, v := range vs {
		if v.Incident.Updated.After(t) {
			t = v.Incident.Updated
		}
	}
	return t
}

func (a *API) incidentFeedAtom(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	vs, err := a.feed(r)
	if err != nil {
		return err
	}
	b := base(r)
	f := atomFeed{ID: b + "/v1/incident-feed.atom", Title: "Accord: incidents with AI systems", Updated: updated(vs).Format(time.RFC3339),
		Link:   []atomLink{{Href: b + r.URL.RequestURI(), Rel: "self", Type: "application/atom+xml"}, {Href: b + "/incidents", Rel: "alternate", Type: "text/html"}},
		Author: atomAuthor{Name: "Accord node " + r.Host}}
	for _, v := range vs {
		in := v.Incident
		tl, tt := pick(in.Title)
		sl, st := pick(in.Summary)
		e := atomEntry{ID: b + "/incidents/" + in.ID, Title: atomText{Lang: tl, Body: tt}, Updated: in.Updated.Format(time.RFC3339),
			Link: atomLink{Href: b + "/incidents/" + in.ID}, Summary: atomText{Type: "text", Lang: sl, Body: st}, Author: atomAuthor{Name: in.Provider}}
		e.Category = append(e.Category, atomCat{Term: in.Kind, Scheme: "https://accord.dev/incident-kinds"}, atomCat{Term: in.Severity, Scheme: "https://accord.dev/severity"})
		for _, h := range in.Harms {
			e.Category = append(e.Category, atomCat{Term: h})
		}
		for _, c := range in.Countries {
			e.Category = append(e.Category, atomCat{Term: c, Scheme: "urn:iso:std:iso:3166"})
		}
		f.Entries = append(f.Entries, e)
	}
	out, err := xml.MarshalIndent(f, "", " ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Write([]byte(xml.Header))
	w.Write(out)
	return nil
}

func (a *API) incidentFeedJSON(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	vs, err := a.feed(r)
	if err != nil {
		return err
	}
	b := base(r)
	items := []map[string]any{}
	for _, v := range vs {
		in := v.Incident
		tl, tt := pick(in.Title)
		_, st := pick(in.Summary)
		tags := append([]string{in.Kind, in.Severity}, in.Harms...)
		items = append(items, map[string]any{"id": in.ID, "url": b + "/incidents/" + in.ID, "title": tt, "content_text": st, "language": tl,
			"date_published": in.Created.Format(time.RFC3339), "date_modified": in.Updated.Format(time.RFC3339), "tags": tags,
			"_accord": map[string]any{"system": in.System, "countries": in.Countries, "occurred": in.Occurred, "due": in.Due, "due_status": in.DueStatus, "home": in.Home}})
	}
	w.Header().Set("Content-Type", "application/feed+json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(map[string]any{"version": "https://jsonfeed.org/version/1.1", "title": "Accord: incidents with AI systems",
		"home_page_url": b + "/incidents", "feed_url": b + "/v1/incident-feed.json", "items": items})
}

// incidentExport exports the public incidents in the shape of the AI
// Incident Database (format=aiid: incidents with their reports) or the OECD
// AI Incidents Monitor (format=aim).
func (a *API) incidentExport(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	format := r.URL.Query().Get("format")
	if !slices.Contains([]string{"aiid", "aim"}, format) {
		return accord.FieldErrorf("format", "%q: use aiid or aim", format)
	}
	vs, err := a.feed(r, "format")
	if err != nil {
		return err
	}
	b := base(r)
	tax := a.incidents.Taxonomies()
	out := []map[string]any{}
	for _, v := range vs {
		in := v.Incident
		_, tt := pick(in.Title)
		_, st := pick(in.Summary)
		switch format {
		case "aiid":
			reports := []map[string]any{}
			for _, rep := range v.Reports {
				rl, rt := pick(rep.Title)
				_, rs := pick(rep.Summary)
				reports = append(reports, map[string]any{"report_number": rep.ID + "/" + itoa(rep.Version), "title": rt, "text": rs, "language": rl,
					"date_published": rep.Filed.Format(time.DateOnly), "url": b + "/v1/incident-reports/" + rep.ID + "/versions/" + itoa(rep.Version),
					"source_domain": r.Host, "authors": []string{rep.Role}})
			}
			out = append(out, map[string]any{"incident_id": in.ID, "date": in.Occurred.Format(time.DateOnly), "title": tt, "description": st,
				"Alleged deployer of AI system": []string{}, "Alleged developer of AI system": []string{in.Provider},
				"reports": reports, "classifications": map[string]any{"CSETv1": map[string]any{"Tangible Harm": cset(tax.Kinds[in.Kind])}}})
		case "aim":
			harms := []string{}
			for _, h := range tax.In("oecd", in.Harms) {
				harms = append(harms, strings.TrimPrefix(h, "oecd:"))
			}
			out = append(out, map[string]any{"id": in.ID, "title": tt, "summary": st, "date": in.Occurred.Format(time.DateOnly), "countries": in.Countries,
				"harm_types": harms, "severity": in.Severity, "type": map[bool]string{true: "hazard", false: "incident"}[in.Kind == accord.IncidentHazard || in.Kind == accord.IncidentNearMiss],
				"url": b + "/incidents/" + in.ID, "ai_system": in.System.ID})
		}
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"format": format, "incidents": out})
	return nil
}

// cset is the CSETv1 Tangible Harm label of a cset: term.
func cset(term string) string {
	return map[string]string{
		"cset:definitive": "tangible harm definitively occurred", "cset:near-miss": "imminent risk of tangible harm (near miss) did occur",
		"cset:issue": "non-imminent risk of tangible harm (an issue) occurred", "cset:none": "no tangible harm, near-miss, or issue", "cset:unclear": "unclear",
	}[term]
}
