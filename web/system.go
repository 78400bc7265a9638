package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/rules"
)

type systemData struct {
	Sys       *registry.SystemView
	Name      Shown
	Provider  Shown
	Latest    int  // the current version
	Old       bool // an earlier version is shown
	Filing    accord.Filing
	Facts     []factRow
	Versions  []versionRow
	Receipt   *receiptView
	Class     *classView
	ClassNote string
	Notice    string // after a write from the portal
	CanEdit   bool
	// Home is the member holding a foreign system (mirrored from its log,
	// read-only here), HomeNode its node; "" and nil for this node's own.
	Home     string
	HomeNode *accord.HomeNode
}

type factRow struct {
	Name, Label, Value string
}

type versionRow struct {
	Version  int
	Event    string
	Time     time.Time
	By       Shown
	Reason   string
	LogIndex int64
	Current  bool // the version on screen
}

type receiptView struct {
	Index       int64
	Version     int
	Entry       string // pretty-printed for reading
	Proof       string
	VerifierKey string
	Data        receiptData // what the script checks, exact bytes
}

// receiptData is embedded as JSON for the page's script.
type receiptData struct {
	Index   int64  `json:"index"`
	Entry   string `json:"entry"`
	Proof   string `json:"proof"`
	Key     string `json:"key"`
	Record  string `json:"record"`
	Version int    `json:"version"`
}

func (h *Handler) system(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	if !validID(id) {
		h.notFound(w, r)
		return
	}
	vals := r.URL.Query()
	if bad := checkParams(vals, []string{"v", "done"}); len(bad) > 0 {
		h.badRequest(w, r, bad)
		return
	}
	version := 0
	if s := vals.Get("v"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || strconv.Itoa(n) != s {
			h.badRequest(w, r, []string{"v"})
			return
		}
		version = n
	}
	c, _, _ := h.caller(ctx, r) // a signed-in provider sees its own confidential fields
	view, err := h.reg.SystemAt(ctx, c, id, version, false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.newPage(r, "search", "", nil)
	l := p.L
	d := systemData{Sys: view, Filing: view.Filing, Name: l.Pick(view.Filing.TradeName)}
	p.Title = d.Name.Text
	if o, ok := h.orgs.get(ctx, view.Provider); ok {
		d.Provider = l.Pick(o.Name)
	} else {
		d.Provider = Shown{Text: view.Provider}
	}
	d.Home, d.HomeNode = h.homeOf(view.Home), view.HomeNode
	d.CanEdit = c != nil && c.Org() == view.Provider && view.Status != "withdrawn" && d.Home == ""
	switch vals.Get("done") {
	case "":
	case "filed":
		d.Notice = l.T("portal.done.filed", "n", view.Version)
	case "updated":
		d.Notice = l.T("portal.done.updated", "n", view.Version)
	default:
		h.badRequest(w, r, []string{"done"})
		return
	}
	d.Facts = factRows(l, view.Filing.Facts)
	versions, err := h.reg.Versions(ctx, c, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, v := range versions {
		t, _ := time.Parse(time.RFC3339, v.Time)
		by := Shown{Text: v.By}
		if o, ok := h.orgs.get(ctx, v.By); ok {
			by = l.Pick(o.Name)
		} else if v.By == "admin" {
			by = Shown{Text: l.T("system.by_admin")}
		}
		d.Versions = append(d.Versions, versionRow{Version: v.Version, Event: v.Event, Time: t, By: by, Reason: v.Reason, LogIndex: v.LogIndex, Current: v.Version == view.Version})
		d.Latest = max(d.Latest, v.Version)
	}
	d.Old = view.Version != d.Latest
	key := h.cfg.VerifierKey
	if d.HomeNode != nil {
		key = d.HomeNode.LogKey // a foreign entry is proved in its home's log
	}
	if rc, err := h.reg.Receipt(ctx, id, view.Version); err == nil {
		d.Receipt = newReceiptView(rc, key, id, view.Version)
	} else {
		h.log.Warn("receipt", "system", id, "version", view.Version, "err", err)
	}
	if h.cls == nil {
		d.ClassNote = l.T("class.unavailable")
	} else if res, err := h.cls.Classification(ctx, c, id, view.Version); err != nil {
		if accord.ErrorCode(err) != accord.ENotFound {
			h.log.Warn("classification", "system", id, "err", err)
		}
		d.ClassNote = l.T("class.missing")
	} else {
		d.Class = h.classView(l, &res.Result)
		d.Class.PacksChanged = res.PacksChanged
		if res.LogIndex != nil {
			d.Class.LogIndex, d.Class.Logged = *res.LogIndex, true
		}
		d.Class.Home = d.Home
	}
	p.Script = "receipt.js"
	p.Data = d
	h.render(w, r, http.StatusOK, "system", p)
}

// validID accepts the shape of registry ids, so junk never reaches the store.
func validID(id string) bool {
	if len(id) < 3 || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func newReceiptView(rc *accord.Receipt, key, id string, version int) *receiptView {
	pretty := rc.Entry
	var buf bytes.Buffer
	if json.Indent(&buf, []byte(rc.Entry), "", "  ") == nil {
		pretty = buf.String()
	}
	return &receiptView{
		Index: rc.Index, Version: version, Entry: pretty, Proof: rc.Proof, VerifierKey: key,
		Data: receiptData{Index: rc.Index, Entry: rc.Entry, Proof: rc.Proof, Key: key, Record: id, Version: version},
	}
}

// factRows lists the facts a filing states, in the order of accord.FactDocs.
func factRows(l *Locale, f accord.Facts) []factRow {
	var out []factRow
	v := reflect.ValueOf(f)
	for _, d := range accord.FactDocs {
		fv := v.FieldByIndex([]int{factIndex[d.Name]})
		if fv.IsNil() {
			continue
		}
		out = append(out, factRow{Name: d.Name, Label: l.T("fact." + d.Name), Value: l.factValue(fv.Elem().Interface())})
	}
	return out
}

// factIndex maps a fact's JSON name to its field in accord.Facts.
var factIndex = func() map[string]int {
	m := map[string]int{}
	t := reflect.TypeFor[accord.Facts]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m[name] = i
	}
	return m
}()

func (l *Locale) factValue(v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return l.T("value.yes")
		}
		return l.T("value.no")
	case float64:
		return l.Float(x)
	case int64:
		return l.Int(x)
	case string:
		return x
	}
	return ""
}

// Vocab labels a code of a controlled vocabulary in the reader's language.
func (l *Locale) Vocab(kind, code string) string {
	if l.Has(kind + "." + code) {
		return l.T(kind + "." + code)
	}
	return code
}

// classView is a classification result prepared for the page.
type classView struct {
	LogIndex     int64 // the classification's own log entry, when Logged
	Logged       bool
	Home         string // for a foreign system: the member whose log holds that entry
	PacksChanged bool
	AsOf         time.Time
	Level        string // baseline level or undetermined / not_applicable
	AtLeast      string
	// Withheld labels the confidential inputs the classification was
	// computed without (the public's view of a filing that has some).
	Withheld   []string
	Frameworks []frameworkView
	Checklist  []themeView
}

type frameworkView struct {
	ID, Version, Hash, Jurisdiction string
	Name                            Shown
	Applicable                      string
	Reason                          *Shown
	ReasonCitation                  string
	Tier, TierTitle, Baseline       string
	AtLeast                         string
	Possible                        []string
	Missing                         []string // labels
	Withheld                        []string // labels of the confidential inputs the outcome rests on
	Fired                           []ruleView
	Cancelled                       []ruleView
	Pending                         []ruleView
	// Confidential are the undetermined rules that only confidential
	// inputs leave open: not "yet" undecided, but decided out of view.
	Confidential []ruleView
	Upcoming     []ruleView
}

type ruleView struct {
	ID, Citation string
	Pack         string // the pack's id, for its citations
	Title        Shown
	Rationale    Shown
	Tier         string
	Facts        []factRow
	Missing      []string
	Withheld     []string       // labels of the confidential inputs it rests on
	By           []exceptionRef // exceptions that cancelled it
	From         time.Time
}

type exceptionRef struct {
	Citation, Pack string
	Title          Shown
}

type themeView struct {
	Theme string
	Title Shown
	Items []dutyView
}

type dutyView struct {
	Pack        Shown
	PackID      string
	Citation    string
	Bearer      string
	Text        Shown
	Deadline    *Shown
	AppliesFrom time.Time
	Applies     bool
	// Filer is "yes" or "no" when the filing states the filer's roles:
	// whether the filer bears the duty (rules.Duty.FilerBears).
	Filer string
}

func (h *Handler) classView(l *Locale, res *rules.Result) *classView {
	cv := &classView{AsOf: dateOf(string(res.AsOf)), Level: res.Summary.Level, AtLeast: res.Summary.AtLeast, Withheld: fieldLabels(l, res.Withheld)}
	packName := map[string]Shown{}
	for _, fw := range res.Frameworks {
		pk := h.pack(fw.Pack)
		v := frameworkView{
			ID: fw.Pack, Version: fw.Version, Hash: fw.Hash, Jurisdiction: fw.Jurisdiction, Name: l.Pick(fw.Name),
			Applicable: fw.Applicable, Tier: fw.Tier, Baseline: fw.Baseline,
		}
		packName[fw.Pack] = v.Name
		v.TierTitle = packTierTitle(l, pk, fw.Tier)
		if fw.AtLeast != "" {
			v.AtLeast = packTierTitle(l, pk, fw.AtLeast)
		}
		for _, t := range fw.Possible {
			v.Possible = append(v.Possible, packTierTitle(l, pk, t))
		}
		for _, m := range fw.Missing {
			v.Missing = append(v.Missing, l.T("fact."+m))
		}
		v.Withheld = fieldLabels(l, fw.Withheld)
		if fw.Tier == rules.TierUndetermined && len(fw.Missing) == 0 && len(fw.Withheld) > 0 {
			v.TierTitle = l.T("class.tier.withheld")
		}
		if fw.Reason != nil {
			s := l.Pick(fw.Reason.Text)
			v.Reason = &s
			v.ReasonCitation = fw.Reason.Citation
		}
		for _, hit := range fw.Fired {
			v.Fired = append(v.Fired, h.ruleView(l, pk, hit))
		}
		for _, c := range fw.Cancelled {
			rv := h.ruleView(l, pk, c.Hit)
			for _, by := range c.By {
				rv.By = append(rv.By, exceptionRef{Citation: by.Citation, Pack: fw.Pack, Title: l.Pick(by.Title)})
			}
			v.Cancelled = append(v.Cancelled, rv)
		}
		for _, pd := range fw.Undetermined {
			rv := h.ruleView(l, pk, pd.Hit)
			for _, m := range pd.Missing {
				rv.Missing = append(rv.Missing, l.T("fact."+m))
			}
			rv.Withheld = fieldLabels(l, pd.Withheld)
			if len(pd.Missing) == 0 && len(pd.Withheld) > 0 && pd.Error == "" {
				v.Confidential = append(v.Confidential, rv)
			} else {
				v.Pending = append(v.Pending, rv)
			}
		}
		for _, u := range fw.Upcoming {
			v.Upcoming = append(v.Upcoming, ruleView{ID: u.Rule, Citation: u.Citation, Pack: fw.Pack, Title: l.Pick(u.Title), Tier: packTierTitle(l, pk, u.Tier), From: dateOf(string(u.EffectiveFrom))})
		}
		cv.Frameworks = append(cv.Frameworks, v)
	}
	applicableFirst(cv.Frameworks)
	for _, th := range res.Checklist {
		tv := themeView{Theme: th.Theme, Title: l.Pick(th.Title)}
		if tv.Title.Text == "" {
			tv.Title = Shown{Text: l.Vocab("theme", th.Theme)}
		}
		for _, du := range th.Duties {
			dv := dutyView{Pack: packName[du.Pack], PackID: du.Pack, Citation: du.Citation, Bearer: du.Bearer, Text: l.Pick(du.Text), AppliesFrom: dateOf(string(du.AppliesFrom)), Applies: du.Applies}
			if du.FilerBears != nil {
				dv.Filer = map[bool]string{true: "yes", false: "no"}[*du.FilerBears]
			}
			if len(du.Deadline) > 0 {
				s := l.Pick(du.Deadline)
				dv.Deadline = &s
			}
			tv.Items = append(tv.Items, dv)
		}
		cv.Checklist = append(cv.Checklist, tv)
	}
	return cv
}

func (h *Handler) ruleView(l *Locale, pk *rules.Pack, hit rules.Hit) ruleView {
	rv := ruleView{ID: hit.Rule, Citation: hit.Citation, Title: l.Pick(hit.Title), Rationale: l.Pick(hit.Rationale)}
	if pk != nil {
		rv.Pack = pk.ID
	}
	if hit.Tier != "" {
		rv.Tier = packTierTitle(l, pk, hit.Tier)
	}
	for _, f := range hit.Facts {
		rv.Facts = append(rv.Facts, l.inputRow(f))
	}
	return rv
}

// inputRow describes one input a rule read: a list of the filing or a fact.
func (l *Locale) inputRow(f rules.Fact) factRow {
	row := factRow{Name: f.Name}
	name, isFact := strings.CutPrefix(f.Name, "facts.")
	if isFact {
		row.Label = l.T("fact." + name)
	} else {
		row.Label = l.Vocab("input", f.Name)
	}
	if f.Withheld {
		row.Value = l.T("value.confidential")
		return row
	}
	if f.Unknown {
		row.Value = l.T("value.unknown")
		return row
	}
	switch v := f.Value.(type) {
	case []string:
		labels := make([]string, len(v))
		for i, c := range v {
			labels[i] = l.codeLabel(f.Name, c)
		}
		if len(labels) == 0 {
			row.Value = l.T("value.none")
		} else {
			row.Value = strings.Join(labels, l.T("fmt.list_sep"))
		}
	case string:
		row.Value = l.codeLabel(f.Name, v)
	default:
		row.Value = l.factValue(v)
	}
	return row
}

// codeLabel labels a code read from one of a filing's lists.
func (l *Locale) codeLabel(list, code string) string {
	switch list {
	case "countries":
		return l.CountryName(code)
	case "domains":
		return l.Vocab("domain", code)
	case "algorithm_types":
		return l.Vocab("algorithm", code)
	case "deployer_kinds":
		return l.Vocab("deployer", code)
	case "affected_persons":
		return l.Vocab("affected", code)
	case "personal_data":
		return l.Vocab("personal", code)
	case "status":
		return l.Vocab("status", code)
	}
	return code
}

// fieldLabels names filing fields (by path) in the reader's language.
func fieldLabels(l *Locale, paths []string) []string {
	var out []string
	for _, p := range paths {
		out = append(out, l.FieldLabel(p))
	}
	return out
}

// dateOf parses a YYYY-MM-DD date; the zero time when empty or malformed.
func dateOf(s string) time.Time {
	t, _ := time.Parse("2006-01-02", s)
	return t
}
