package storetest

import (
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"github.com/stemma-registry/stemma/services/catalog/iscc"
	"github.com/stemma-registry/stemma/services/catalog/similarity"
	"github.com/stemma-registry/stemma/services/catalog/store"
	"github.com/stemma-registry/stemma/services/catalog/work"
)

// ISCCUnit returns a 64-bit unit of the main type and subtype with the
// bits.
func ISCCUnit(t iscc.MainType, sub uint8, b uint64) iscc.Code {
	return iscc.Code{Type: t, SubType: sub, Length: 1, Body: binary.BigEndian.AppendUint64(nil, b)}
}

// ImageISCC returns an ISCC-CODE with the image bits as its Content-Code
// and n making its Data- and Instance-Code its own.
func ImageISCC(image uint64, n int) string {
	c, err := iscc.Compose(ISCCUnit(iscc.MainContent, iscc.SubImage, image),
		ISCCUnit(iscc.MainData, 0, uint64(n)*0x9e3779b97f4a7c15), ISCCUnit(iscc.MainInstance, 0, uint64(n)))
	if err != nil {
		panic(err)
	}
	return c.String()
}

// flip returns b with its first n bits (from the top) inverted, spread so
// that each of the four bands gets some.
func flip(b uint64, n int) uint64 {
	for i := range n {
		b ^= 1 << (63 - (i%4)*16 - i/4)
	}
	return b
}

func similar(t testing.TB, s store.Store, code string, d int, size int) []store.Match {
	t.Helper()
	us, err := similarity.Parse(code)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Match
	p := store.Page{Size: size}
	for {
		ms, next, err := s.Similar(ctx, store.SimilarQuery{Units: us, MaxDistance: d}, p)
		if err != nil {
			t.Fatalf("Similar: %v", err)
		}
		out = append(out, ms...)
		if next == 0 {
			return out
		}
		p.After = next
	}
}

func describe(ms []store.Match) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = fmt.Sprintf("%s %d %s", m.Work.Title, m.Distance, m.Kind)
	}
	return out
}

// testSimilar: works are found by their codes' units within the distance
// asked, nearest first, each once, through an index kept in step with
// creates (single and bulk), updates and deletes.
func testSimilar(t *testing.T, s store.Store) {
	const base uint64 = 0xf0e1d2c3b4a59687
	mk := func(title string, codes ...string) *work.Work {
		w := sample(len(title))
		w.Title, w.ISCCCodes = title, codes
		if err := work.Normalise(w, work.AllFields, ""); err != nil {
			t.Fatal(err)
		}
		return w
	}
	textSameBits := ISCCUnit(iscc.MainContent, iscc.SubText, base).String()
	ws := create(t, s, "alice",
		mk("original", ImageISCC(base, 1)),
		mk("resized", ImageISCC(flip(base, 2), 2)),
		mk("cropped", ImageISCC(flip(base, 6), 3)),
		mk("recoloured", ImageISCC(flip(base, 11), 4)),
		mk("other picture", ImageISCC(^base, 5)),
		mk("a text with the same bits", textSameBits),
		mk("no codes"),
	)
	if got := get(t, s, ws[1].ID); !slices.Equal(got.ISCCCodes, []string{ImageISCC(flip(base, 2), 2)}) {
		t.Fatalf("codes read back %v", got.ISCCCodes)
	}
	query := ImageISCC(base, 99) // same picture, other bytes
	for _, tc := range []struct {
		d    int
		want []string
	}{
		{0, []string{"original 0 CONTENT-IMAGE"}},
		{3, []string{"original 0 CONTENT-IMAGE", "resized 2 CONTENT-IMAGE"}},
		{7, []string{"original 0 CONTENT-IMAGE", "resized 2 CONTENT-IMAGE", "cropped 6 CONTENT-IMAGE"}},
		{similarity.MaxDistance, []string{"original 0 CONTENT-IMAGE", "resized 2 CONTENT-IMAGE", "cropped 6 CONTENT-IMAGE", "recoloured 11 CONTENT-IMAGE"}},
	} {
		for _, size := range []int{1, 100} {
			if got := describe(similar(t, s, query, tc.d, size)); !slices.Equal(got, tc.want) {
				t.Errorf("distance %d, pages of %d: %q\nwant %q", tc.d, size, got, tc.want)
			}
		}
	}
	if got := similar(t, s, query, 0, 10); len(got) != 1 || got[0].Code != ImageISCC(base, 1) {
		t.Errorf("match names code %q; want the work's code", got[0].Code)
	}
	// A work matched on two units counts once, at the nearer.
	if got := describe(similar(t, s, ImageISCC(flip(base, 1), 2), 0, 10)); !slices.Equal(got, []string{"resized 0 DATA"}) {
		t.Errorf("by the Data-Code: %q", got)
	}
	if got := describe(similar(t, s, textSameBits, 0, 10)); !slices.Equal(got, []string{"a text with the same bits 0 CONTENT-TEXT"}) {
		t.Errorf("a text unit: %q", got)
	}

	// Changing the codes moves the work in the index; deleting removes it.
	if _, err := s.Update(ctx, store.Update{ID: ws[0].ID, Actor: Alice, Fields: work.FieldISCCCodes,
		Values: &work.Work{ISCCCodes: []string{ImageISCC(^base, 1)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, store.Update{ID: ws[1].ID, Actor: Alice, Fields: work.FieldTitle, Values: &work.Work{Title: "resized copy"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, store.Delete{ID: ws[2].ID, Actor: Alice}); err != nil {
		t.Fatal(err)
	}
	if got := describe(similar(t, s, query, 7, 10)); !slices.Equal(got, []string{"resized copy 2 CONTENT-IMAGE"}) {
		t.Errorf("after update and delete: %q", got)
	}
	if got := describe(similar(t, s, ImageISCC(^base, 7), 0, 10)); !slices.Equal(got, []string{"original 0 CONTENT-IMAGE", "other picture 0 CONTENT-IMAGE"}) {
		t.Errorf("the new code: %q", got)
	}

	// A bulk create (COPY on PostgreSQL) indexes as a single one does.
	const bulk uint64 = 0x0123456789abcdef
	var batch []*work.Work
	var want []string
	for d := range 12 {
		for i := range 40 {
			if i%12 == d && d <= 5 {
				want = append(want, fmt.Sprintf("bulk %02d %d CONTENT-IMAGE", i, d))
			}
		}
	}
	for i := range 40 {
		batch = append(batch, mk(fmt.Sprintf("bulk %02d", i), ImageISCC(flip(bulk, i%12), 100+i)))
	}
	create(t, s, "bob", batch...)
	if got := describe(similar(t, s, ImageISCC(bulk, 0), 5, 7)); !slices.Equal(got, want) {
		t.Errorf("bulk: %q\nwant %q", got, want)
	}
}
