package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"go.yaml.in/yaml/v3"

	"github.com/accord-gov/accord/internal/compress"
	"github.com/accord-gov/accord/internal/yamljson"
	"github.com/accord-gov/accord/registry"
)

// openapiYAML is the hand-written OpenAPI 3.1 description of the API: the
// contract. Tests check every route against it and validate real responses.
//
//go:embed openapi.yaml
var openapiYAML []byte

// OpenAPI is the document as JSON, converted once at start-up.
var OpenAPI = func() []byte {
	var doc any
	if err := yaml.Unmarshal(openapiYAML, &doc); err != nil {
		panic(fmt.Sprintf("api/openapi.yaml: %v", err)) // a build-time asset; tests catch this
	}
	b, err := json.Marshal(yamljson.Value(doc))
	if err != nil {
		panic(fmt.Sprintf("api/openapi.yaml: %v", err))
	}
	return b
}()

func (a *API) openapi(w http.ResponseWriter, r *http.Request, _ *registry.Caller) error {
	w.Header().Set("Content-Type", "application/json")
	publicCache(w, r, "public, max-age=300")
	compress.Write(w, r, http.StatusOK, OpenAPI)
	return nil
}
