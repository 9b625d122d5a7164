package identify

import (
	"bytes"
	"cmp"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// MethodText is the method of an answer found by comparing a licence text
// with the SPDX texts.
const MethodText Method = "text"

// MaxText bounds the input Text reads. A licence file is a few KiB (the
// longest SPDX text, APL-1.0, is 46 KB); anything past 256 KiB is not one
// licence, and rejecting it keeps the cost of one call bounded.
const MaxText = 256 << 10

// TextThreshold is the similarity below which Text answers MethodNone
// (with the nearest licence as an alternative). Reflowed, re-punctuated
// texts with another copyright line and an added header paragraph score a
// median of 0.99 (lowest 0.80: the shortest texts, where the header is a
// third of the input); real LICENSE files 0.87-0.95. The
// threshold does not separate licences of one family, which score 0.88
// (LGPL-2.0 against LGPL-2.1), 0.92 (BSD-2-Clause against BSD-3-Clause)
// or 0.98 (CC-BY-4.0 against CC-BY-NC-4.0) against each other: ranking
// does, and the nearest text wins. It separates licence texts from other
// prose, and admits a text with a modified clause as the licence it
// nearly is, with the lower Confidence saying so.
const TextThreshold = 0.8

// nearTie is how close a runner-up's similarity must be to the best for it
// to be listed as an alternative: within it, the input cannot tell them
// apart with confidence. Half a percent: CC-BY-4.0 and CC-BY-NC-4.0 score
// 0.98 against each other, and that 2 % difference is the licence.
const nearTie = 0.005

// secondPresent and secondNew decide when a file holds a second licence
// text: at least 90 % of that text's word pairs are in the input, and at
// least 30 % of them are not explained by the best text.
const (
	secondPresent = 0.9
	secondNew     = 0.3
)

// minTextShingles is the fewest distinct word pairs an input needs: the
// shortest SPDX texts have 13-20 (diffmark, TermReadKey, Kastrup; only
// any-OSI, a nine-word joke, has fewer), and fewer than this is a name or
// a sentence, which Name handles, not a licence text.
const minTextShingles = 12

//go:embed data/texts.json.gz
var textsGz []byte

type textEntry struct {
	id    string   // the answer
	twins []string // ids whose normalised text is the same, as alternatives
	n     int      // distinct shingles
	note  string   // a warning every answer with this entry carries
}

type textIndex struct {
	entries []textEntry
	// keys are the distinct shingle hashes, sorted; the entries holding
	// keys[i] are post[off[i]:off[i+1]].
	keys []uint64
	off  []uint32
	post []uint16
}

var (
	textOnce sync.Once
	textIdx  *textIndex
)

// Prepare builds the text index now, so that the first Text call of a
// serving process does not wait the fraction of a second it takes. Safe to
// call any number of times, from any goroutine.
func Prepare() { texts() }

func texts() *textIndex {
	textOnce.Do(func() {
		var f struct {
			Texts map[string]string `json:"texts"`
		}
		if err := readTexts(&f); err != nil {
			// The file is embedded and checked by the tests; failing to
			// read it is a build defect. Text then answers MethodNone.
			slog.Error("identify: licence texts unreadable", "err", err)
			textIdx = &textIndex{}
			return
		}
		textIdx = buildTexts(f.Texts, headers)
	})
	return textIdx
}

func readTexts(v any) error {
	zr, err := gzip.NewReader(bytes.NewReader(textsGz))
	if err != nil {
		return err
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// buildTexts indexes the licence texts and the standard notices. Texts
// whose shingle sets are equal become one entry: the preferred id answers
// and the others are its twins (see preferTwin).
func buildTexts(ts map[string]string, hdrs []header) *textIndex {
	ids := make([]string, 0, len(ts))
	for id := range ts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	ix := &textIndex{}
	// Each posting is packed as shingle<<16 | entry (shingles are 48-bit
	// hashes), so one sort of plain integers groups them: the index is
	// built once per process and this keeps that under half a second.
	var pairs []uint64
	bySet := map[uint64]int{} // hash of a shingle set -> entry
	add := func(id, note string, set []uint64) {
		sum := uint64(fnvOffset)
		for _, k := range set {
			sum = (sum ^ k) * fnvPrime
		}
		if e, ok := bySet[sum]; ok && note == "" && ix.entries[e].note == "" {
			ent := &ix.entries[e]
			if preferTwin(id, ent.id) {
				ent.twins = append(ent.twins, ent.id)
				ent.id = id
			} else {
				ent.twins = append(ent.twins, id)
			}
			return
		}
		e := len(ix.entries)
		if e > math.MaxUint16 {
			// Postings hold entries in 16 bits; the list has about 700.
			slog.Error("identify: too many licence texts to index", "skipped", id)
			return
		}
		bySet[sum] = e
		ix.entries = append(ix.entries, textEntry{id: id, n: len(set), note: note})
		for _, k := range set {
			pairs = append(pairs, k<<16|uint64(e))
		}
	}
	for _, id := range ids {
		// Licences with an appendix after their terms (Apache-2.0, the GNU
		// licences: "How to apply these terms") are often copied without
		// it; without that form, an Apache-2.0 LICENSE lacking the
		// appendix is nearer the Pixar licence (Apache-2.0's terms with one
		// clause changed and no appendix) than Apache-2.0's full text.
		forms := []string{ts[id]}
		if i := strings.Index(ts[id], "END OF TERMS AND CONDITIONS"); i > 0 && len(ts[id])-i > 200 {
			forms = append(forms, ts[id][:i])
		}
		for _, f := range forms {
			if set := shingles(f); len(set) > 0 {
				add(id, "", set)
			}
		}
	}
	for _, h := range hdrs {
		// A notice is often copied without its last paragraph (where to
		// get a copy of the licence); that paragraph is a large part of
		// a short notice, so both forms are indexed.
		paras := strings.Split(h.text, "\n\n")
		forms := []string{h.text}
		if len(paras) > 2 {
			forms = append(forms, strings.Join(paras[:len(paras)-1], "\n\n"))
		}
		for _, f := range forms {
			if set := shingles(f); len(set) > 0 {
				add(h.expr, h.note, set)
			}
		}
	}
	for i := range ix.entries {
		slices.Sort(ix.entries[i].twins)
	}
	slices.Sort(pairs)
	for i, p := range pairs {
		if k := p >> 16; i == 0 || k != pairs[i-1]>>16 {
			ix.keys = append(ix.keys, k)
			ix.off = append(ix.off, uint32(len(ix.post)))
		}
		ix.post = append(ix.post, uint16(p))
	}
	ix.off = append(ix.off, uint32(len(ix.post)))
	return ix
}

// preferTwin reports whether id should answer rather than cur when their
// texts are the same. The GNU licences have one text for -only and
// -or-later: "or later" is a grant made in a notice, not in the text, so a
// bare text is evidence of the version it is and the -only id answers, with
// the -or-later twin as an alternative (the same choice URL makes). Other
// twins: the shorter, then alphabetically first id, so the answer is stable.
func preferTwin(id, cur string) bool {
	idOnly, curOnly := strings.HasSuffix(id, "-only"), strings.HasSuffix(cur, "-only")
	if idOnly != curOnly {
		return idOnly
	}
	if len(id) != len(cur) {
		return len(id) < len(cur)
	}
	return id < cur
}

// Text identifies a licence text: the contents of a LICENSE file or the
// licence notice at the head of a source file. It follows the SPDX
// matching guidelines as a normalisation (case, white space, punctuation,
// quotes and dashes, bullets and numbering, copyright lines, spelling
// variants such as licence/license, http/https) and compares the result as
// a set of consecutive word pairs with each SPDX text. Confidence is the
// Dice coefficient of the two sets; below TextThreshold the answer is
// MethodNone with the nearest licence in Alternatives.
func Text(s string) Result {
	if len(s) > MaxText {
		return Result{Method: MethodNone, Warnings: []string{fmt.Sprintf("text longer than %d bytes not examined", MaxText)}}
	}
	set := shingles(s)
	if len(set) < minTextShingles {
		return Result{Method: MethodNone}
	}
	ix := texts()
	if len(ix.entries) == 0 {
		return Result{Method: MethodNone}
	}
	hits := ix.lookup(set)
	common := ix.count(hits, -1)
	score := func(e int) float64 {
		return 2 * float64(common[e]) / float64(len(set)+ix.entries[e].n)
	}
	bestE, bestS := ix.best(common, len(set))
	if bestE < 0 {
		return Result{Method: MethodNone}
	}
	best := ix.entries[bestE]
	r := Result{Confidence: round3(bestS)}
	// A second licence text in the same file (a dual-licensed project's
	// LICENSE holding MIT and Apache-2.0, or a notice for vendored code):
	// a text that is almost all present in the input (secondPresent) and
	// much of which the best text does not explain (secondNew). Dice on
	// the unexplained rest would not do: the second text shares many word
	// pairs with the first ("this software", "the name of"), which the rest
	// then lacks.
	var second *textEntry
	if rest := len(set) - int(common[bestE]); rest >= minTextShingles {
		// Of the candidates, the one that explains the most new pairs
		// net of its own pairs missing from the input wins: a shorter
		// relative (BSD-1-Clause inside BSD-3-Clause) explains less, and a
		// longer one (BSD-3-Clause-Attribution, BSD-3-Clause plus a
		// clause) misses its extra clause.
		restCommon := ix.count(hits, bestE)
		bestNet := 0
		for e, c := range restCommon {
			ent := &ix.entries[e]
			if int(c) < minTextShingles || ent.id == best.id || slices.Contains(best.twins, ent.id) || float64(c) < secondNew*float64(ent.n) || float64(common[e]) < secondPresent*float64(ent.n) {
				continue
			}
			if net := int(c) - (ent.n - int(common[e])); net > bestNet {
				second, bestNet = ent, net
			}
		}
	}

	if bestS < TextThreshold {
		r.Method = MethodNone
		r.Alternatives = append([]string{best.id}, best.twins...)
		if second != nil {
			r.Alternatives = append(r.Alternatives, second.id)
		}
		return r
	}
	r.Expression, r.Method = best.id, MethodText
	if best.note != "" {
		r.Warnings = append(r.Warnings, best.note)
		r.Expression = gnuNoticeVersion(r.Expression, set, &r.Warnings)
	}
	r.Alternatives = append(r.Alternatives, best.twins...)
	if len(best.twins) > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("the SPDX texts of %s and %s are the same; the text alone cannot tell them apart", best.id, strings.Join(best.twins, ", ")))
	}
	if second != nil {
		r.Alternatives = append(r.Alternatives, second.id)
		r.Warnings = append(r.Warnings, fmt.Sprintf("the text also holds the %s licence text: the work may be offered under either (%s OR %s) or need both (AND)", second.id, best.id, second.id))
	}
	// Near ties, best first; an entry naming the answer again (another
	// form of the same notice) adds nothing.
	var near []int
	for e := range common {
		if e != bestE && common[e] > 0 && bestS-score(e) <= nearTie && ix.entries[e].id != best.id {
			near = append(near, e)
		}
	}
	slices.SortStableFunc(near, func(a, b int) int { return cmp.Compare(score(b), score(a)) })
	for _, e := range near {
		for _, id := range append([]string{ix.entries[e].id}, ix.entries[e].twins...) {
			// r.Expression, not best.id: gnuNoticeVersion may have turned
			// the answer into the id a near notice names.
			if id != r.Expression && !slices.Contains(r.Alternatives, id) {
				r.Alternatives = append(r.Alternatives, id)
			}
		}
	}
	return r
}

// laterVersion is the word pair "later version", which a GNU notice has
// exactly when it grants "or (at your option) any later version".
var laterVersion = shingles("later version")[0]

// gnuNoticeVersion decides -only against -or-later for a GNU notice by
// what the notice says, not by which sample notice it is nearest: the
// "version 2 only" and "version 2 or any later version" notices differ in a
// few words, which the similarity barely sees. Full texts are not passed
// here: every GNU text carries "any later version" in its own clauses.
func gnuNoticeVersion(id string, set []uint64, warnings *[]string) string {
	base, orLater := strings.CutSuffix(id, "-or-later")
	if !orLater {
		var only bool
		if base, only = strings.CutSuffix(id, "-only"); !only {
			return id
		}
	}
	_, later := slices.BinarySearch(set, laterVersion)
	switch {
	case orLater && !later:
		*warnings = append(*warnings, "the notice grants no later version: "+base+"-only")
		return base + "-only"
	case !orLater && later:
		*warnings = append(*warnings, "the notice grants any later version: "+base+"-or-later")
		return base + "-or-later"
	}
	return id
}

// lookup finds each shingle of a sorted set in the index: the position of
// its key, or -1. Both lists are sorted, so the search for each starts
// where the last one ended.
func (ix *textIndex) lookup(set []uint64) []int32 {
	hits := make([]int32, 0, len(set))
	lo := 0
	for _, k := range set {
		i := lo + sort.Search(len(ix.keys)-lo, func(j int) bool { return ix.keys[lo+j] >= k })
		lo = i
		if i < len(ix.keys) && ix.keys[i] == k {
			hits = append(hits, int32(i))
		}
	}
	return hits
}

// count returns, for every entry, how many of the looked-up shingles it
// holds; with skip >= 0, shingles that entry skip holds are left out.
func (ix *textIndex) count(hits []int32, skip int) []int32 {
	common := make([]int32, len(ix.entries))
	for _, i := range hits {
		post := ix.post[ix.off[i]:ix.off[i+1]]
		if skip >= 0 {
			if _, in := slices.BinarySearch(post, uint16(skip)); in {
				continue
			}
		}
		for _, e := range post {
			common[e]++
		}
	}
	return common
}

// best returns the entry with the highest Dice coefficient against a set
// of n shingles, given the counts of shared ones, or -1.
func (ix *textIndex) best(common []int32, n int) (int, float64) {
	bestE, bestS := -1, 0.0
	for e, c := range common {
		if c == 0 {
			continue
		}
		if sc := 2 * float64(c) / float64(n+ix.entries[e].n); sc > bestS {
			bestE, bestS = e, sc
		}
	}
	return bestE, bestS
}

// FNV-1a, inlined: hash/fnv allocates a hasher per word.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func round3(f float64) float64 { return float64(int(f*1000+0.5)) / 1000 }

// shingles returns the sorted distinct hashes of consecutive word pairs of
// the normalised text, 48 bits each (see buildTexts).
func shingles(s string) []uint64 {
	words := textWords(s)
	if len(words) < 2 {
		return nil
	}
	set := make([]uint64, 0, len(words)-1)
	for i := 1; i < len(words); i++ {
		set = append(set, (words[i-1]*0x9E3779B97F4A7C15^words[i])>>16)
	}
	slices.Sort(set)
	return slices.Compact(set)
}

// textWords normalises a licence text to a sequence of word hashes, line by
// line: copyright statements are dropped, a list marker at the head of a
// line is dropped, and the rest is split into runs of letters and digits
// (so punctuation, quotes, dashes and white space all vanish), folded to
// lower case and to one spelling of each variant word.
func textWords(s string) []uint64 {
	var out []uint64
	emit := func(w string) { out = append(out, hashWord(w)) }
	for line := range strings.Lines(s) {
		t := strings.ToLower(strings.TrimSpace(line))
		if isCopyrightLine(t) {
			continue
		}
		t = stripMarker(t)
		for _, w := range strings.FieldsFunc(t, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			// Single letters are list markers ("(a)" mid-line after a
			// reflow), the article "a", the "c" of "(c)" and the "s" of a
			// possessive: none tells licences apart, and dropping them
			// everywhere keeps the normalisation the same on both sides.
			if utf8.RuneCountInString(w) == 1 && !unicode.IsDigit([]rune(w)[0]) {
				continue
			}
			if v, ok := variants[w]; ok {
				for _, x := range v {
					emit(x)
				}
				continue
			}
			emit(w)
		}
	}
	return dropHolders(out)
}

// holderSlots are the places where the SPDX templates of the BSD family
// let a licence name its holder ("PROVIDED BY THE COPYRIGHT HOLDERS AND
// CONTRIBUTORS", "BY GOOGLE INC.", "BY THE AUTHOR"): the words between a
// start and an end pair, at most maxHolderWords apart, are dropped on both
// sides, the way the templates mark them replaceable. Without this a
// BSD-3-Clause file naming its holder in the disclaimer is nearer to
// BSD-3-Clause-HP, whose fixed text says "THE AUTHOR".
var holderSlots = [][2][]uint64{
	{wordHashes("provided by"), wordHashes("as is")},
	{wordHashes("event shall"), wordHashes("be liable")},
	{wordHashes("name of"), wordHashes("nor the")},
}

const maxHolderWords = 8

func wordHashes(s string) []uint64 {
	var out []uint64
	for _, w := range strings.Fields(s) {
		out = append(out, hashWord(w))
	}
	return out
}

func hashWord(w string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(w); i++ {
		h = (h ^ uint64(w[i])) * fnvPrime
	}
	return h
}

// dropHolders removes the holder slots from a word sequence (see
// holderSlots), in place.
func dropHolders(ws []uint64) []uint64 {
	out := ws[:0]
	for i := 0; i < len(ws); i++ {
		out = append(out, ws[i])
		for _, slot := range holderSlots {
			start, end := slot[0], slot[1]
			if i+1 < len(start) || !slices.Equal(ws[i+1-len(start):i+1], start) {
				continue
			}
			for gap := 1; gap <= maxHolderWords && i+1+gap+len(end) <= len(ws); gap++ {
				if slices.Equal(ws[i+1+gap:i+1+gap+len(end)], end) {
					i += gap // skip the holder's words; the end pair follows
					break
				}
			}
			break
		}
	}
	return out
}

// isCopyrightLine reports whether a lower-cased, trimmed line is a
// copyright statement, which the SPDX guidelines ignore: "Copyright (c)
// 2020 X", "Copyright 2020 X", "© X", "Copyright <year> <owner>", and "All
// rights reserved." on a line of its own under such a statement. A line
// that merely starts with the word ("copyright notice, this list of
// conditions" after a reflow) is kept, so that reflowing does not change
// what is dropped.
func isCopyrightLine(t string) bool {
	if strings.HasPrefix(t, "©") || strings.HasPrefix(t, "(c)") || strings.TrimRight(t, ".") == "all rights reserved" {
		return true
	}
	rest, ok := strings.CutPrefix(t, "copyright")
	if !ok {
		return false
	}
	rest = strings.TrimLeft(rest, " \t:")
	if rest == "" {
		return false
	}
	switch {
	case strings.HasPrefix(rest, "(c)"), strings.HasPrefix(rest, "©"), strings.HasPrefix(rest, "c "):
		return true
	case strings.ContainsRune("0123456789<[{$", rune(rest[0])):
		return true
	}
	return false
}

// stripMarker drops a bullet or a list number at the head of a line:
// "1.", "1.2)", "(a)", "iv.", "-", "*", "•".
func stripMarker(t string) string {
	for {
		r, size := utf8.DecodeRuneInString(t)
		if strings.ContainsRune("-*•·‣◦–—>#/;%", r) {
			t = strings.TrimSpace(t[size:])
			continue
		}
		break
	}
	i := 0
	paren := strings.HasPrefix(t, "(")
	if paren {
		i = 1
	}
	j := i
	for j < len(t) && j-i < 8 && (t[j] >= '0' && t[j] <= '9' || t[j] == '.' && j > i) {
		j++
	}
	if j == i { // a letter or roman numeral marker
		for j < len(t) && j-i < 5 && strings.IndexByte("abcdefghijklmnopqrstuvwxyz", t[j]) >= 0 {
			j++
		}
		if j-i > 1 && strings.Trim(t[i:j], "ivxl") != "" {
			return t // a word, not a numeral
		}
	}
	if j == i || j >= len(t) {
		return t
	}
	switch {
	case t[j] == ')' || (!paren && t[j-1] == '.'):
		return strings.TrimSpace(t[j+1:])
	case !paren && t[j] == '.':
		return strings.TrimSpace(t[j+1:])
	}
	return t
}

// variants folds the spelling variants the SPDX matching guidelines treat
// as equal (their "equivalent words" list, British and American spellings
// and a few compounds) onto one spelling. A compound is split into its
// parts so that "sub-license", "sub license" and "sublicense" meet.
var variants = map[string][]string{
	"acknowledgement": {"acknowledgment"}, "analogue": {"analog"}, "analyse": {"analyze"},
	"artefact": {"artifact"}, "authorisation": {"authorization"}, "authorised": {"authorized"},
	"calibre": {"caliber"}, "cancelled": {"canceled"}, "capitalisations": {"capitalizations"},
	"catalogue": {"catalog"}, "categorise": {"categorize"}, "centre": {"center"},
	"emphasised": {"emphasized"}, "favour": {"favor"}, "favourite": {"favorite"},
	"fulfil": {"fulfill"}, "fulfilment": {"fulfillment"}, "initialise": {"initialize"},
	"judgement": {"judgment"}, "labelling": {"labeling"}, "labour": {"labor"},
	"licence": {"license"}, "licences": {"licenses"}, "licenced": {"licensed"},
	"licencee": {"licensee"}, "licencor": {"licensor"}, "licencing": {"licensing"},
	"maximise": {"maximize"}, "modelled": {"modeled"}, "modelling": {"modeling"},
	"offence": {"offense"}, "optimise": {"optimize"}, "organisation": {"organization"},
	"organise": {"organize"}, "practise": {"practice"}, "programme": {"program"},
	"realise": {"realize"}, "recognise": {"recognize"}, "signalling": {"signaling"},
	"utilisation": {"utilization"}, "whilst": {"while"}, "wilful": {"willful"},
	"sublicense": {"sub", "license"}, "sublicence": {"sub", "license"},
	"sublicenses": {"sub", "licenses"}, "sublicensed": {"sub", "licensed"},
	"sublicensing": {"sub", "licensing"}, "sublicensee": {"sub", "licensee"},
	"noncommercial": {"non", "commercial"}, "percent": {"per", "cent"},
	"owner": {"holder"}, "owners": {"holders"},
	"https": {"http"},
}
