// Command interop checks jianzheng's ledger output with Go's golang.org/x/mod/sumdb
// packages (note and tlog), an implementation independent of ours.
//
// It reads one JSON request on stdin and writes one JSON report on stdout; the pytest
// test tests/ledger/test_ledger_interop_go.py builds and runs it.
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type inclusion struct {
	Index int64    `json:"index"`
	Proof []string `json:"proof"`
}

type consistency struct {
	OldSize int64    `json:"old_size"`
	OldRoot string   `json:"old_root"`
	Proof   []string `json:"proof"`
}

type request struct {
	VerifierKey string        `json:"verifier_key"`
	SignerKey   string        `json:"signer_key"`
	Checkpoint  string        `json:"checkpoint"`
	Leaves      []string      `json:"leaves"`
	Size        int64         `json:"size"`
	Root        string        `json:"root"`
	Inclusion   []inclusion   `json:"inclusion"`
	Consistency []consistency `json:"consistency"`
	TextToSign  string        `json:"text_to_sign"`
}

type report struct {
	NoteError     string   `json:"note_error"`
	NoteText      string   `json:"note_text"`
	Verified      []string `json:"verified"`
	Unverified    int      `json:"unverified"`
	GoRoot        string   `json:"go_root"`
	InclusionOK   []bool   `json:"inclusion_ok"`
	ConsistencyOK []bool   `json:"consistency_ok"`
	GoSignedNote  string   `json:"go_signed_note"`
}

func decodeHash(s string) tlog.Hash {
	var h tlog.Hash
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) != len(h) {
		fail(fmt.Errorf("bad hash %q", s))
	}
	copy(h[:], raw)
	return h
}

func decodeHashes(in []string) []tlog.Hash {
	out := make([]tlog.Hash, len(in))
	for i, s := range in {
		out[i] = decodeHash(s)
	}
	return out
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(2)
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fail(err)
	}
	var rep report

	// 1. Our signed checkpoint, opened by Go's note package with our verifier key.
	verifier, err := note.NewVerifier(req.VerifierKey)
	if err != nil {
		fail(err)
	}
	opened, err := note.Open([]byte(req.Checkpoint), note.VerifierList(verifier))
	if err != nil {
		rep.NoteError = err.Error()
	} else {
		rep.NoteText = opened.Text
		for _, s := range opened.Sigs {
			rep.Verified = append(rep.Verified, s.Name)
		}
		rep.Unverified = len(opened.UnverifiedSigs)
	}

	// 2. Go computes the tree from the raw leaves with its own stored-hash layout.
	stored := map[int64]tlog.Hash{}
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			h, ok := stored[x]
			if !ok {
				return nil, fmt.Errorf("missing stored hash %d", x)
			}
			out[i] = h
		}
		return out, nil
	})
	for n, leaf := range req.Leaves {
		data, err := base64.StdEncoding.DecodeString(leaf)
		if err != nil {
			fail(err)
		}
		hashes, err := tlog.StoredHashes(int64(n), data, reader)
		if err != nil {
			fail(err)
		}
		base := tlog.StoredHashIndex(0, int64(n))
		for i, h := range hashes {
			stored[base+int64(i)] = h
		}
	}
	goRoot, err := tlog.TreeHash(req.Size, reader)
	if err != nil {
		fail(err)
	}
	rep.GoRoot = base64.StdEncoding.EncodeToString(goRoot[:])

	// 3. Our inclusion and consistency proofs, checked by Go's tlog.
	root := decodeHash(req.Root)
	for _, inc := range req.Inclusion {
		data, _ := base64.StdEncoding.DecodeString(req.Leaves[inc.Index])
		err := tlog.CheckRecord(decodeHashes(inc.Proof), req.Size, root, inc.Index,
			tlog.RecordHash(data))
		rep.InclusionOK = append(rep.InclusionOK, err == nil)
	}
	for _, c := range req.Consistency {
		err := tlog.CheckTree(decodeHashes(c.Proof), req.Size, root, c.OldSize,
			decodeHash(c.OldRoot))
		rep.ConsistencyOK = append(rep.ConsistencyOK, err == nil)
	}

	// 4. Go signs with our signer key string, for us to verify.
	if req.SignerKey != "" {
		signer, err := note.NewSigner(req.SignerKey)
		if err != nil {
			fail(err)
		}
		signed, err := note.Sign(&note.Note{Text: req.TextToSign}, signer)
		if err != nil {
			fail(err)
		}
		rep.GoSignedNote = string(signed)
	}

	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		fail(err)
	}
}
