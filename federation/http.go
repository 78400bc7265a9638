package federation

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/accord-gov/accord"
)

// Handler serves the witness, C2SP tlog-witness style, relative to where
// it is mounted (the node mounts it at /witness):
//
//	POST /add-checkpoint           submission
//	GET  /<hex sha256(origin)>/checkpoint   monitoring: the latest checkpoint cosigned
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /add-checkpoint", s.serveAddCheckpoint)
	mux.HandleFunc("GET /{hash}/checkpoint", s.serveCosigned)
	return mux
}

func (s *Service) serveAddCheckpoint(w http.ResponseWriter, r *http.Request) {
	status := http.StatusOK
	defer func() {
		if s.metrics.Witnessed != nil {
			s.metrics.Witnessed(status)
		}
	}()
	text := func(code int, msg string) {
		status = code
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(code)
		io.WriteString(w, msg+"\n")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxAddCheckpointBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			text(http.StatusBadRequest, "malformed add-checkpoint body: over the limit of "+strconv.Itoa(MaxAddCheckpointBody)+" bytes")
			return
		}
		text(http.StatusBadRequest, "could not read the body")
		return
	}
	sigs, err := s.AddCheckpoint(r.Context(), body)
	var we *WitnessError
	switch {
	case errors.As(err, &we) && we.Status == http.StatusConflict:
		status = we.Status
		w.Header().Set("Content-Type", "text/x.tlog.size")
		w.WriteHeader(http.StatusConflict)
		io.WriteString(w, strconv.FormatInt(we.Size, 10)+"\n")
	case errors.As(err, &we):
		if we.Status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		text(we.Status, we.Msg)
	case accord.ErrorCode(err) == accord.EUnavailable:
		w.Header().Set("Retry-After", "1")
		text(http.StatusServiceUnavailable, accord.ErrorMessage(err))
	case err != nil:
		s.logger.Error("add-checkpoint", "err", err)
		text(http.StatusInternalServerError, "internal error")
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(sigs)
	}
}

func (s *Service) serveCosigned(w http.ResponseWriter, r *http.Request) {
	hash := r.PathValue("hash")
	if len(hash) != 64 || !isLowerHex(hash) {
		http.Error(w, "not a lowercase hex SHA-256 of a log origin", http.StatusNotFound)
		return
	}
	cp, err := s.LatestCosigned(r.Context(), hash)
	switch {
	case accord.ErrorCode(err) == accord.ENotFound:
		http.Error(w, accord.ErrorMessage(err), http.StatusNotFound)
		return
	case err != nil:
		http.Error(w, "the database is unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(cp)
}

func isLowerHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// CheckpointHandler serves the log's latest checkpoint with the
// cosignatures collected for it (the node mounts it at /log/checkpoint,
// in place of the bare one).
func (s *Service) CheckpointHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var cp []byte
		err := s.store.View(r.Context(), func(tx accord.ReadTx) error {
			var err error
			cp, err = s.LatestCheckpoint(r.Context(), tx)
			return err
		})
		if err != nil {
			http.Error(w, "the database is unavailable", http.StatusServiceUnavailable)
			return
		}
		if cp == nil {
			http.Error(w, "no checkpoint yet: the log is empty", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache, no-store")
		w.Write(cp)
	})
}
