package api

import (
	"net/http"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
)

// The mirror's routes: how mirroring each peer goes, and the alarms (split
// views detected, with their evidence). Both are public: anyone may check
// the evidence. Without a mirror (tests of the API alone) they answer 503.
func (a *API) mirrorRoutes() {
	for pattern, h := range map[string]handlerFunc{
		"GET /v1/mirrors": a.listMirrors,
		"GET /v1/alarms":  a.listAlarms,
	} {
		a.handle(pattern, func(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
			if a.mirror == nil {
				return accord.Errorf(accord.EUnavailable, "this node runs without a mirror")
			}
			return h(w, r, c)
		})
	}
}

func (a *API) listMirrors(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	st, err := a.mirror.Status(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"mirrors": st})
	return nil
}

func (a *API) listAlarms(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r, "origin"); err != nil {
		return err
	}
	origin := r.URL.Query().Get("origin")
	if len(origin) > 255 {
		return accord.FieldErrorf("origin", "is longer than 255 bytes: give a log's origin")
	}
	var alarms []accord.Alarm
	err := a.svc.Store().View(r.Context(), func(tx accord.ReadTx) error {
		var err error
		alarms, err = tx.Alarms(r.Context(), origin)
		return err
	})
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, r, http.StatusOK, map[string]any{"alarms": alarms})
	return nil
}
