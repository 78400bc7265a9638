// Package storetest is the conformance suite every accord.Store must pass,
// after golang.org/x/mod/sumdb/storage's shared test: the SQLite and
// PostgreSQL stores run the same tests, so the node behaves the same on both.
package storetest

import (
	"context"
	"testing"

	"github.com/accord-gov/accord"
)

// NewStore opens a fresh, empty store for one test. It must arrange for the
// store to be closed and its data removed when the test ends.
type NewStore func(t *testing.T) accord.Store

// Run runs the whole suite.
func Run(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(*testing.T, NewStore)
	}{
		{"Meta", testMeta},
		{"Organizations", testOrganizations},
		{"Tokens", testTokens},
		{"TokenInTransaction", testTokenInTransaction},
		{"Sessions", testSessions},
		{"SystemVersions", testSystemVersions},
		{"Heads", testHeads},
		{"Savepoint", testSavepoint},
		{"RollbackOnError", testRollbackOnError},
		{"Idempotency", testIdempotency},
		{"Search", testSearch},
		{"SearchPagination", testSearchPagination},
		{"SearchShortWords", testSearchShortWords},
		{"SearchBadBytes", testSearchBadBytes},
		{"FacetCounts", testFacetCounts},
		{"ClassificationFacets", testClassificationFacets},
		{"LogAppendAndRead", testLogAppendAndRead},
		{"LogThroughSequencer", testLogThroughSequencer},
		{"LogConcurrentWriters", testLogConcurrentWriters},
		{"RegistryIfMatch", testRegistryIfMatch},
		{"RegistryIdempotency", testRegistryIdempotency},
		{"RegistryConfidential", testRegistryConfidential},
		{"RegistryRevokedToken", testRegistryRevokedToken},
		{"RegistryVersions", testRegistryVersions},
		{"RegistrySearchLanguages", testRegistrySearchLanguages},
		{"RejectedWriteLeavesNothing", testRejectedWriteLeavesNothing},
		{"DumpLoad", testDumpLoad},
		{"Peers", testPeers},
		{"ExternalWitnesses", testExternalWitnesses},
		{"WitnessCAS", testWitnessCAS},
		{"WitnessCASRace", testWitnessCASRace},
		{"Cosignatures", testCosignatures},
		{"Alarms", testAlarms},
		{"MirrorCAS", testMirrorCAS},
		{"MirrorCASRace", testMirrorCASRace},
		{"MirrorIndexed", testMirrorIndexed},
		{"NodeFacet", testNodeFacet},
		// governance
		{"Governance", testGovernance},
		{"GovernanceCursor", testGovernanceCursor},

		// consent
		{"ConsentRecords", testConsentRecords},
		{"ConsentDumpLoad", testConsentDumpLoad},
		{"ConsentScenarios", testConsentScenarios},

		// incidents
		{"Incidents", testIncidents},
		{"IncidentsDumpLoad", testIncidentsDumpLoad},
		{"IncidentCursor", testIncidentCursor},

		// resources
		{"Resources", testResources},
		{"ResourceSearch", testResourceSearch},
		{"NeedsAndMatches", testNeedsAndMatches},
		{"ResourcesDumpLoad", testResourcesDumpLoad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore) })
	}
}

func update(t *testing.T, s accord.Store, fn func(accord.WriteTx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t *testing.T, s accord.Store, fn func(accord.ReadTx) error) {
	t.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := accord.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}
