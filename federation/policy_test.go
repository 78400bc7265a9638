package federation_test

import (
	"strings"
	"testing"

	"github.com/transparency-dev/formats/witness"
	"golang.org/x/mod/sumdb/note"

	"github.com/accord-gov/accord/federation"
	"github.com/accord-gov/accord/tlog"
)

type testWitness struct {
	name, skey, vkey string
	signer           note.Signer
}

func newTestWitness(t *testing.T, name string) testWitness {
	t.Helper()
	skey, vkey, err := federation.GenerateWitnessKey(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := federation.NewWitnessSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return testWitness{name, skey, vkey, s}
}

func TestParsePolicyErrors(t *testing.T) {
	_, logKey, _ := tlog.GenerateKey("log.test/log")
	w1 := newTestWitness(t, "w1.test/w")
	w2 := newTestWitness(t, "w2.test/w")
	for _, c := range []struct {
		name, text, want string
	}{
		{"no log", "witness a " + w1.vkey + "\nquorum a\n", "no log line"},
		{"no quorum", "log " + logKey + "\n", "no quorum line"},
		{"bad log key", "log nope\nquorum none\n", "line 1"},
		{"witness key as log", "log " + w1.vkey + "\nquorum none\n", "line 1"},
		{"log key as witness", "log " + logKey + "\nwitness a " + logKey + "\nquorum a\n", "line 2"},
		{"duplicate key", "log " + logKey + "\nwitness a " + w1.vkey + "\nwitness b " + w1.vkey + "\nquorum a\n", "key listed twice"},
		{"duplicate name", "log " + logKey + "\nwitness a " + w1.vkey + "\nwitness a " + w2.vkey + "\nquorum a\n", "defined twice"},
		{"undefined member", "log " + logKey + "\nwitness a " + w1.vkey + "\ngroup g 1 a b\nquorum g\n", `member "b"`},
		{"member twice", "log " + logKey + "\nwitness a " + w1.vkey + "\ngroup g 1 a\ngroup h 1 a\nquorum h\n", "two groups"},
		{"k too large", "log " + logKey + "\nwitness a " + w1.vkey + "\ngroup g 2 a\nquorum g\n", "threshold"},
		{"k zero", "log " + logKey + "\nwitness a " + w1.vkey + "\ngroup g 0 a\nquorum g\n", "threshold"},
		{"undefined quorum", "log " + logKey + "\nquorum g\n", "not defined"},
		{"two quorums", "log " + logKey + "\nquorum none\nquorum none\n", "twice"},
		{"unknown keyword", "log " + logKey + "\nwitnesses a\nquorum none\n", "unknown keyword"},
		{"control character", "log " + logKey + "\x01\nquorum none\n", "control character"},
	} {
		_, err := federation.ParsePolicy([]byte(c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
}

// TestPolicyCheck: which witnesses cosigned, groups of groups, any/all,
// and agreement with formats/witness on the same policy text.
func TestPolicyCheck(t *testing.T) {
	skey, logKey, _ := tlog.GenerateKey("log.test/log")
	logSigner, _ := note.NewSigner(skey)
	ws := []testWitness{newTestWitness(t, "a.test/w"), newTestWitness(t, "b.test/w"), newTestWitness(t, "c.test/w")}
	text := "# members and a third party\n" +
		"log " + logKey + " http://log.test/log\n" +
		"witness a " + ws[0].vkey + " http://a.test/witness\n" +
		"witness b " + ws[1].vkey + " http://b.test/witness\n" +
		"witness c " + ws[2].vkey + " http://c.test/witness\n" +
		"group members 2 a b\n" +
		"group all-of any members c\n" +
		"quorum all-of\n"
	pol, err := federation.ParsePolicy([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	g, err := witness.ParsePolicy([]byte(text))
	if err != nil {
		t.Fatalf("formats/witness.ParsePolicy: %v", err)
	}
	body := tlog.Checkpoint{Origin: "log.test/log", Size: 5, Hash: [32]byte{1}}.String()
	for _, c := range []struct {
		signers []int
		want    bool
	}{
		{nil, false}, {[]int{0}, false}, {[]int{0, 1}, true}, {[]int{2}, true}, {[]int{1, 2}, true},
	} {
		signers := []note.Signer{logSigner}
		for _, i := range c.signers {
			signers = append(signers, ws[i].signer)
		}
		cp, err := note.Sign(&note.Note{Text: body}, signers...)
		if err != nil {
			t.Fatal(err)
		}
		res, err := pol.Check(cp)
		if err != nil {
			t.Fatalf("%v: %v", c.signers, err)
		}
		if res.Satisfied != c.want || len(res.Signed) != len(c.signers) || len(res.Signed)+len(res.Unsigned) != 3 {
			t.Errorf("%v: %+v, want satisfied %v", c.signers, res, c.want)
		}
		if g.Satisfied(cp) != c.want {
			t.Errorf("%v: formats/witness disagrees (satisfied %v)", c.signers, !c.want)
		}
	}
	// A checkpoint the log did not sign fails; so does a forged cosignature.
	cp, _ := note.Sign(&note.Note{Text: body}, ws[0].signer, ws[1].signer)
	if _, err := pol.Check(cp); err == nil {
		t.Error("a checkpoint without the log's signature passed")
	}
	cp, _ = note.Sign(&note.Note{Text: body}, logSigner, ws[2].signer)
	forged := strings.Replace(string(cp), body, tlog.Checkpoint{Origin: "log.test/log", Size: 5, Hash: [32]byte{2}}.String(), 1)
	if _, err := pol.Check([]byte(forged)); err == nil {
		t.Error("a checkpoint whose text was changed after signing passed")
	}
	// Format round-trips.
	again, err := federation.ParsePolicy([]byte(pol.Format()))
	if err != nil || again.Format() != pol.Format() {
		t.Errorf("Format does not round-trip: %v\n%s", err, pol.Format())
	}
}
