package api

import (
	"net/http"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
)

// The federation's routes: the node's identity, its peers and external
// witnesses (admin writes, public reads) and its default tlog-policy.
// Without a federation service (tests of the API alone) they answer 503.
func (a *API) federationRoutes() {
	for pattern, h := range map[string]handlerFunc{
		"GET /v1/node":                a.nodeIdentity,
		"GET /v1/policy":              a.policy,
		"GET /v1/peers":               a.listPeers,
		"POST /v1/peers":              a.addPeer,
		"GET /v1/peers/{name}":        a.getPeer,
		"POST /v1/peers/{name}/state": a.setPeerState,
		"DELETE /v1/peers/{name}":     a.retirePeer,
		"GET /v1/witnesses":           a.listWitnesses,
		"POST /v1/witnesses":          a.addWitness,
		"DELETE /v1/witnesses/{name}": a.removeWitness,
	} {
		a.handle(pattern, func(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
			if a.fed == nil {
				return accord.Errorf(accord.EUnavailable, "this node runs without federation")
			}
			return h(w, r, c)
		})
	}
}

func (a *API) nodeIdentity(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, a.fed.Identity())
	return nil
}

func (a *API) policy(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	p, err := a.fed.DefaultPolicy(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write([]byte(p.Format()))
	return nil
}

func (a *API) listPeers(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	ps, err := a.fed.Peers(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"peers": ps})
	return nil
}

func (a *API) getPeer(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	p, err := a.fed.Peer(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, p)
	return nil
}

func (a *API) addPeer(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	var req accord.NewPeer
	if err := decode(w, r, &req); err != nil {
		return err
	}
	res, err := a.fed.AddPeer(r.Context(), c, req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/peers/"+res.Peer.Name)
	writeJSON(w, r, http.StatusCreated, res)
	return nil
}

func (a *API) setPeerState(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	var req accord.PeerStateChange
	if err := decode(w, r, &req); err != nil {
		return err
	}
	res, err := a.fed.SetPeerState(r.Context(), c, r.PathValue("name"), req)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, res)
	return nil
}

func (a *API) retirePeer(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r, "reason"); err != nil {
		return err
	}
	res, err := a.fed.RetirePeer(r.Context(), c, r.PathValue("name"), r.URL.Query().Get("reason"))
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, res)
	return nil
}

func (a *API) listWitnesses(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	ws, err := a.fed.ExternalWitnesses(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"witnesses": ws})
	return nil
}

func (a *API) addWitness(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	var req accord.NewExternalWitness
	if err := decode(w, r, &req); err != nil {
		return err
	}
	res, err := a.fed.AddExternalWitness(r.Context(), c, req)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusCreated, res)
	return nil
}

func (a *API) removeWitness(w http.ResponseWriter, r *http.Request, c *registry.Caller) error {
	if err := knownParams(r); err != nil {
		return err
	}
	res, err := a.fed.RemoveExternalWitness(r.Context(), c, r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, res)
	return nil
}
