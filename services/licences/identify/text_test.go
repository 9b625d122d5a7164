package identify

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

func loadTexts(t testing.TB) map[string]string {
	t.Helper()
	var f struct {
		Source string            `json:"source"`
		Texts  map[string]string `json:"texts"`
	}
	if err := readTexts(&f); err != nil {
		t.Fatal(err)
	}
	if len(f.Texts) < 600 || !strings.HasPrefix(f.Source, "spdx-license-list@") {
		t.Fatalf("embedded texts: %d from %q", len(f.Texts), f.Source)
	}
	return f.Texts
}

func sortedIDs(ts map[string]string) []string {
	ids := make([]string, 0, len(ts))
	for id := range ts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// identifiesAs reports whether r names id, either as the answer or as a
// twin whose SPDX text is the same as the answer's (the only case where
// the text cannot decide; the warning says so).
func identifiesAs(r Result, id string) bool {
	if r.Method != MethodText {
		return false
	}
	if r.Expression == id {
		return true
	}
	for _, e := range texts().entries {
		if e.id == r.Expression && slices.Contains(e.twins, id) {
			return slices.Contains(r.Alternatives, id)
		}
	}
	return false
}

// TestTextOwnTexts: every embedded SPDX text identifies as itself or a
// twin. It cannot be trivially true: a text whose shingle set is a subset
// of a longer one, or which the normalisation empties, would fail.
func TestTextOwnTexts(t *testing.T) {
	ts := loadTexts(t)
	ok, twins := 0, 0
	var bad []string
	for _, id := range sortedIDs(ts) {
		r := Text(ts[id])
		switch {
		case r.Expression == id && r.Method == MethodText:
			ok++
		case identifiesAs(r, id):
			ok++
			twins++
		default:
			bad = append(bad, fmt.Sprintf("%s -> %q %s %.3f %v", id, r.Expression, r.Method, r.Confidence, r.Alternatives))
		}
	}
	t.Logf("own texts: %d/%d identify as themselves (%.1f %%), %d of them as a twin with an identical text", ok, len(ts), 100*float64(ok)/float64(len(ts)), twins)
	for _, b := range bad {
		t.Log("  miss:", b)
	}
	if float64(ok) < 0.99*float64(len(ts)) {
		t.Fatalf("%d/%d below 99 %%", ok, len(ts))
	}
}

// reflow rewraps every paragraph (blank-line separated) to width columns,
// as an editor or a packager does.
func reflow(s string, width int) string {
	var out []string
	for _, para := range strings.Split(s, "\n\n") {
		var lines []string
		cur := ""
		for _, w := range strings.Fields(para) {
			if cur != "" && len(cur)+1+len(w) > width {
				lines = append(lines, cur)
				cur = ""
			}
			if cur != "" {
				cur += " "
			}
			cur += w
		}
		if cur != "" {
			lines = append(lines, cur)
		}
		out = append(out, strings.Join(lines, "\n"))
	}
	return strings.Join(out, "\n\n")
}

// noisy rewrites a licence text the ways real LICENSE files differ from
// the SPDX text: a real copyright line instead of the template's, typographic
// quotes and dashes, another line width, a header paragraph added.
func noisy(s string, i int) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		if isCopyrightLine(strings.ToLower(strings.TrimSpace(line))) {
			b.WriteString("Copyright (c) 2019-2024 Jane Doe <jane@example.org> and contributors\n")
			continue
		}
		b.WriteString(line)
	}
	s = b.String()
	s = strings.NewReplacer(`"`, "“", "'", "’", " - ", " — ", "--", "–").Replace(s)
	s = reflow(s, []int{60, 72, 80, 100, 132}[i%5])
	return "Copyright 2024 Example Project Authors. All rights reserved.\n\nThe following licence applies to this project:\n\n" + s + "\n"
}

// TestTextWithNoise: the same texts with copyright lines changed, quotes
// and dashes changed, reflowed and with a header paragraph added.
func TestTextWithNoise(t *testing.T) {
	ts := loadTexts(t)
	ok := 0
	var bad []string
	var confs []float64
	var took []time.Duration
	texts() // the one-off index build is not an identification
	for i, id := range sortedIDs(ts) {
		in := noisy(ts[id], i)
		start := time.Now()
		r := Text(in)
		took = append(took, time.Since(start))
		for _, w := range r.Warnings {
			if strings.Contains(w, "also holds") {
				t.Errorf("%s: one licence text read as two: %v", id, r.Warnings)
			}
		}
		if identifiesAs(r, id) {
			ok++
			confs = append(confs, r.Confidence)
		} else {
			bad = append(bad, fmt.Sprintf("%s -> %q %s %.3f %v", id, r.Expression, r.Method, r.Confidence, r.Alternatives))
		}
	}
	slices.Sort(confs)
	t.Logf("with noise: %d/%d identify as themselves (%.1f %%); confidence median %.3f, lowest %.3f", ok, len(ts), 100*float64(ok)/float64(len(ts)), confs[len(confs)/2], confs[0])
	for _, b := range bad {
		t.Log("  miss:", b)
	}
	slices.Sort(took)
	t.Logf("time per identification: median %v, 99th percentile %v, longest %v", took[len(took)/2], took[len(took)*99/100], took[len(took)-1])
	if float64(ok) < 0.99*float64(len(ts)) {
		t.Fatalf("%d/%d below 99 %%", ok, len(ts))
	}
}

// mitFile is an MIT LICENSE file as a project writes it (GitHub's template
// with a real holder), not the SPDX text; other packages' tests use it too.
var mitFile = func() string {
	b, err := os.ReadFile("testdata/MIT-LICENSE.txt")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

func TestTextWellKnown(t *testing.T) {
	ts := loadTexts(t)
	cases := []struct {
		name, in, want string
		alts           []string
	}{
		{"MIT file", mitFile, "MIT", nil},
		{"MIT licence spelling", strings.ReplaceAll(mitFile, "sublicense", "sub-licence"), "MIT", nil},
		{"GPL-3.0", ts["GPL-3.0-only"], "GPL-3.0-only", []string{"GPL-3.0-or-later"}},
		{"GPL-3.0 reflowed", noisy(ts["GPL-3.0-or-later"], 2), "GPL-3.0-only", []string{"GPL-3.0-or-later"}},
		{"GPL-2.0", noisy(ts["GPL-2.0-only"], 1), "GPL-2.0-only", []string{"GPL-2.0-or-later"}},
		{"CC-BY-4.0", noisy(ts["CC-BY-4.0"], 3), "CC-BY-4.0", nil},
		{"Apache-2.0", noisy(ts["Apache-2.0"], 4), "Apache-2.0", nil},
		{"BSD-2-Clause", ts["BSD-2-Clause"], "BSD-2-Clause", nil},
		{"BSD-3-Clause", ts["BSD-3-Clause"], "BSD-3-Clause", nil},
		// Without the appendix the Pixar licence (Apache's terms with
		// clause 6 changed) would be nearer than Apache-2.0's full text.
		{"Apache-2.0 without appendix", reflow(upTo(ts["Apache-2.0"], "END OF TERMS AND CONDITIONS"), 78), "Apache-2.0", nil},
		{"GPL-3.0 without appendix", upTo(ts["GPL-3.0-only"], "END OF TERMS AND CONDITIONS"), "GPL-3.0-only", []string{"GPL-3.0-or-later"}},
		{"Pixar", ts["Pixar"], "Pixar", nil},
		// A dual-licensed project's LICENSE with both texts: the larger
		// answers, the other is named.
		{"MIT and Apache-2.0", mitFile + "\n\n" + ts["Apache-2.0"], "Apache-2.0", []string{"MIT"}},
		// Vendored code's notice after the main licence (many Go modules):
		// BSD-3-Clause shares much wording with Apache-2.0, so what the
		// Apache text leaves unexplained is only part of it.
		{"Apache-2.0 and BSD-3-Clause", ts["Apache-2.0"] + "\n\nThis product includes code under:\n\n" + reflow(ts["BSD-3-Clause"], 70), "Apache-2.0", []string{"BSD-3-Clause"}},
	}
	for _, c := range cases {
		r := Text(c.in)
		if r.Expression != c.want || r.Method != MethodText || r.Confidence < 0.9 || r.Confidence > 1 {
			t.Errorf("%s: got %+v, want %s", c.name, r, c.want)
			continue
		}
		if !slices.Equal(r.Alternatives, c.alts) {
			t.Errorf("%s: alternatives %v, want %v", c.name, r.Alternatives, c.alts)
		}
		t.Logf("%s: %s %.3f %v", c.name, r.Expression, r.Confidence, r.Alternatives)
	}
	// A template's own copyright line and a real one with "All rights
	// reserved." under it are both ignored.
	if r := Text(strings.Replace(ts["BSD-2-Clause"], "\n", "\nAll rights reserved.\n", 1)); r.Expression != "BSD-2-Clause" || r.Confidence != 1 {
		t.Errorf("BSD-2-Clause with all rights reserved: %+v", r)
	}
	// An exact text scores 1; a noisy one less, but still above the threshold.
	if r := Text(ts["MIT"]); r.Confidence != 1 {
		t.Errorf("exact MIT text: confidence %v", r.Confidence)
	}
}

func upTo(s, marker string) string {
	i := strings.Index(s, marker)
	if i < 0 {
		panic(marker)
	}
	return s[:i+len(marker)]
}

// TestTextHolderSlots: a BSD licence naming its holder where the SPDX
// template allows it is the same licence, with full confidence, and not
// BSD-3-Clause-HP (whose fixed text says "THE AUTHOR").
func TestTextHolderSlots(t *testing.T) {
	ts := loadTexts(t)
	bsd := ts["BSD-3-Clause"]
	for _, holder := range []string{"GOOGLE INC.", "THE AUTHOR", "THE REGENTS AND CONTRIBUTORS"} {
		in := strings.ReplaceAll(bsd, "THE COPYRIGHT HOLDERS AND CONTRIBUTORS", holder)
		in = strings.ReplaceAll(in, "COPYRIGHT HOLDER OR CONTRIBUTORS", holder)
		in = strings.ReplaceAll(in, "the name of the copyright holder", "the name of Example Corp.")
		if in == bsd {
			t.Fatal("the BSD-3-Clause text no longer has the wording this test replaces")
		}
		if r := Text(in); r.Expression != "BSD-3-Clause" || r.Confidence != 1 {
			t.Errorf("BSD-3-Clause naming %s: %+v", holder, r)
		}
	}
}

// TestTextNotices: a file that carries only a licence's standard notice.
func TestTextNotices(t *testing.T) {
	cases := []struct{ in, want string }{
		{`// Copyright 2021 The Example Authors
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//      https://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.`, "Apache-2.0"},
		{` * This program is free software; you can redistribute it and/or modify
 * it under the terms of the GNU General Public License as published by
 * the Free Software Foundation; either version 2 of the License, or
 * (at your option) any later version.
 *
 * This program is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
 * GNU General Public License for more details.`, "GPL-2.0-or-later"},
		// The kernel's "version 2 only" notice and another -only wording
		// that no sample notice has: what the notice says decides.
		{`This program is free software; you can redistribute it and/or modify
it under the terms of the GNU General Public License version 2 as
published by the Free Software Foundation.

This program is distributed in the hope that it will be useful,
but WITHOUT ANY WARRANTY; without even the implied warranty of
MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
GNU General Public License for more details.`, "GPL-2.0-only"},
		{`This program is free software; you can redistribute it and/or modify
it under the terms of the GNU Lesser General Public License as published by
the Free Software Foundation, version 3 of the License.

This program is distributed in the hope that it will be useful,
but WITHOUT ANY WARRANTY; without even the implied warranty of
MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
GNU Lesser General Public License for more details.`, "LGPL-3.0-only"},
		{`# This Source Code Form is subject to the terms of the Mozilla Public
# License, v. 2.0. If a copy of the MPL was not distributed with this
# file, You can obtain one at https://mozilla.org/MPL/2.0/.`, "MPL-2.0"},
	}
	for _, c := range cases {
		r := Text(c.in)
		if r.Expression != c.want || r.Method != MethodText || len(r.Warnings) == 0 {
			t.Errorf("%q: got %+v, want %s with a warning", c.in[:40], r, c.want)
		}
	}
}

func TestTextNone(t *testing.T) {
	ts := loadTexts(t)
	cases := map[string]string{
		"empty":   "",
		"name":    "MIT License",
		"short":   "Licensed under the MIT licence, see LICENSE.",
		"garbage": strings.Repeat("\x00\xff zz", 100),
		"prose": `It was a bright cold day in April, and the clocks were striking thirteen.
Winston Smith, his chin nuzzled into his breast in an effort to escape the vile wind,
slipped quickly through the glass doors of Victory Mansions, though not quickly enough
to prevent a swirl of gritty dust from entering along with him.`,
		"code": `package main

import "fmt"

func main() {
	for i := 0; i < 10; i++ {
		fmt.Println("hello, world", i)
	}
}`,
	}
	for name, in := range cases {
		if r := Text(in); r.Method != MethodNone || r.Expression != "" {
			t.Errorf("%s: got %+v, want none", name, r)
		}
	}
	// Too long: not examined, and says why.
	if r := Text(strings.Repeat(ts["MIT"], MaxText/len(ts["MIT"])+1)); r.Method != MethodNone || len(r.Warnings) != 1 {
		t.Errorf("over MaxText: %+v", r)
	}
	// Half of the MIT text is below the threshold, and names MIT as the
	// nearest licence.
	half := ts["MIT"][:len(ts["MIT"])/2] + "\n" + cases["prose"] + "\n" + cases["prose"]
	if r := Text(half); r.Method != MethodNone || len(r.Alternatives) == 0 || r.Alternatives[0] != "MIT" || r.Confidence <= 0 || r.Confidence >= TextThreshold {
		t.Errorf("half MIT: %+v", r)
	}
}

// TestConfidenceOfLookups: Name and URL answers are exact lookups and say
// so; MethodNone says 0.
func TestConfidenceOfLookups(t *testing.T) {
	for _, r := range []Result{Name("MIT"), Name("MIT OR Apache-2.0"), Name("GPLv3+"), Name("GNU General Public License v2.0 only"), URL("https://www.gnu.org/licenses/gpl-3.0.html")} {
		if r.Method == MethodNone || r.Confidence != 1 {
			t.Errorf("%+v: want confidence 1", r)
		}
	}
	if r := Name("no such licence"); r.Confidence != 0 {
		t.Errorf("%+v: want confidence 0", r)
	}
}

// TestTextNormalisation: each rule of the SPDX matching guidelines that
// textWords applies, as pairs that must normalise alike, and pairs that
// must not.
func TestTextNormalisation(t *testing.T) {
	same := [][2]string{
		{"Licence Organisation", "license organization"},
		{"the “Software” — as is", `the "Software" - as is`},
		{"sub-license", "sublicense"},
		{"sub license", "SubLicense"},
		{"see https://example.org/x", "see http://example.org/x"},
		{"1. Redistributions of source", "Redistributions of source"},
		{"(a) the work\n  ii) the other\n• third\n1.2.3. fourth", "the work\nthe other\nthird\nfourth"},
		{"Copyright (c) 2020 Jane\nterms apply", "terms apply"},
		{"Copyright 1999-2004 X Corp.\nAll rights reserved.\nterms apply", "terms apply"},
		{"© Jane\nCopyright <year> <owner>\nCopyright: 2020 x\nterms apply", "terms apply"},
		{"// Licensed under\n# the terms\n * of this", "Licensed under the terms of this"},
		{"copyright owner", "Copyright Holder"},
		{"word\r\nword2", "word word2"},
	}
	for _, c := range same {
		if a, b := textWords(c[0]), textWords(c[1]); !slices.Equal(a, b) {
			t.Errorf("%q and %q normalise differently (%d and %d words)", c[0], c[1], len(a), len(b))
		}
	}
	differ := [][2]string{
		// A line that starts with the word is not a copyright statement:
		// a reflow puts "copyright notice" at a line head.
		{"retain the above\ncopyright notice", "retain the above"},
		{"version 2 of", "version 3 of"},
		{"non-commercial use", "commercial use"},
		// A word that is not a numeral stays.
		{"mix. of", "of"},
	}
	for _, c := range differ {
		if a, b := textWords(c[0]), textWords(c[1]); slices.Equal(a, b) {
			t.Errorf("%q and %q normalise alike", c[0], c[1])
		}
	}
}
