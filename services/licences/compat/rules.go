package compat

import (
	"fmt"
	"strings"
)

// rule is a rule's stable identifier with the public statements it rests
// on, as keys of profile/data/sources.tsv and clauses.
type rule struct {
	id      string
	sources string // "key:clause|key:clause"
}

// ruleTable lists every category-level and use-level rule. Grants, which are
// data, live in data/grants.tsv. Each rule cites where it comes from; docs
// /licences.md explains them clause by clause.
var ruleTable = []rule{
	{"same-licence", "text:the licence's own terms|gnu-texts:GPL-3.0 §5(c), GPL-2.0 §2(b)@GPL,LGPL,AGPL|cc-faq:adapter's licence chart@CC-"},
	{"same-licence-verbatim", "cc-legalcode:ND licences §3|cc-faq:adapter's licence chart"},
	{"ref-unknown", "spdx:Annex D, LicenseRef-/DocumentRef-"},
	{"not-modelled", "spdx:licence list"},
	{"no-rule", "spdx:licence list"},
	{"pd-any", "text-in:no conditions on use|cc0:§2, §3|fsf-list:#CC0@CC0|fsf-list:#PublicDomain"},
	{"permissive-notices", "text-in:the conditions are to keep notices|fsf-list:#Expat, #X11License@<MIT,X11|fsf-list:#ModifiedBSD, #FreeBSD@<BSD|asf-policy:Category A@Apache"},
	{"permissive-into-pd", "cc0:§2|text:the inbound's notice condition"},
	{"permissive-restriction-travels", "text-in:the advertising or use clause|fsf-list:#OriginalBSD@BSD-4,BSD-3-Clause-Attribution|fsf-list:#JSON@JSON|asf-policy:Category X@Apache"},
	{"modified-version-terms", "text-in:the conditions on distributing Modified Versions|artistic-2.0:§4, §8, §9|fsf-list:#ArtisticLicense2@Artistic-2.0"},
	{"restriction-into-copyleft", "gpl-2.0:§6|gpl-3.0:§7, §10|eupl-1.2:Art. 5|cc-legalcode:BY-SA 4.0 §2(a)(5)(C)|text:the restriction and the copyleft clause"},
	{"gpl-compat", "fsf-list:GPL-compatible licences|fsf-api:tags|gpl-2.0:§6|gpl-3.0:§7, §10"},
	{"gpl-compat-later", "fsf-list:GPL-compatible licences|gpl-2.0:§9|gpl-3.0:§14|gpl-faq:#AllCompatibility"},
	{"gpl-incompatible", "fsf-list:GPL-incompatible licences|fsf-api:tags|gpl-2.0:§6|gpl-3.0:§10"},
	{"gpl-compat-unknown", "fsf-list:licences not listed|text-in:the conditions no statement has ruled on"},
	{"gnu-same-or-later", "gpl-2.0:§9|gpl-3.0:§14|gpl-faq:#AllCompatibility"},
	{"narrow-later", "gpl-3.0:§14|gpl-faq:#AllCompatibility"},
	{"version-conflict", "gpl-2.0:§9|gpl-3.0:§14|gpl-faq:#v2v3Compatibility|gpl-faq:#AllCompatibility"},
	{"later-version", "gpl-2.0:§9|gpl-3.0:§14|mpl-2.0:§10.2|cc-legalcode:BY-SA 3.0 §4(b)|eupl-1.2:Art. 5|text:the licence's versions clause"},
	{"lgpl-to-gpl", "lgpl-2.1:§3|gpl-faq:#AllCompatibility"},
	{"lgpl3-to-gpl3", "lgpl-3.0:preamble, §0|gpl-3.0:§7|gpl-faq:#AllCompatibility"},
	{"gpl3-agpl3-combine", "gpl-3.0:§13|agpl-3.0:§13|fsf-list:#AGPLv3.0|gpl-faq:#AllCompatibility"},
	{"gnu-version-mismatch", "gpl-faq:#v2v3Compatibility|gpl-faq:#AllCompatibility|fsf-list:#GNUGPLv3"},
	{"gnu-kind-mismatch", "gpl-faq:#AllCompatibility|lgpl-2.1:§3|gpl-2.0:§2(b)"},
	{"cc-adapter-licence", "cc-faq:adapter's licence chart|cc-legalcode:BY 4.0 §3(a)(4)"},
	{"cc-sharealike-version", "cc-legalcode:BY-SA 4.0 §3(b)(1), BY-SA 3.0 §4(b), BY-SA 2.0 §4(b), BY-SA 1.0 §4(b)|cc-sa-wiki:versions and ports"},
	{"cc-sharealike-same", "cc-legalcode:BY-SA §3(b)|cc-compat:compatible licences"},
	{"cc-nc-kept", "cc-faq:adapter's licence chart|cc-legalcode:NC §1(i), §2(a)(1)"},
	{"cc-nd-no-adaptation", "cc-legalcode:ND §2(a)(1)(B)|cc-faq:adapter's licence chart"},
	{"nc-into-other-nc", "cc-legalcode:BY-NC 4.0 §3(a)(4)|text:the non-commercial terms of both licences"},
	{"nc-kept", "text-in:the non-commercial limitation|cc-faq:adapter's licence chart@CC-|fsf-list:#CC-BY-NC@CC-BY-NC|asf-policy:Category X@Apache"},
	{"nd-no-adaptation", "text-in:the no-derivatives limitation|cc-faq:ND licences@CC-|fsf-list:#CC-BY-ND@CC-BY-ND,CC-BY-NC-ND"},
	{"file-larger-work", "mpl-2.0:§3.3|eclipse-faq:separate modules|text-in:file-scoped copyleft"},
	{"eupl-larger-work", "eupl-1.2:Art. 1 'Derivative Works', Art. 5|eupl-1.1:Art. 1 'Derivative Works', Art. 5|eupl-matrix:upstream compatibility, Discussion on linking|mpl-2.0:§3.3|eclipse-faq:separate modules|text-in:file-scoped copyleft"},
	{"eupl-link", "eupl-1.2:Art. 1 'Derivative Works'|eupl-1.1:Art. 1 'Derivative Works'|eupl-matrix:Discussion on linking"},
	{"copyleft-conflict", "gpl-faq:#AllCompatibility@GPL,LGPL,AGPL|fsf-list:GPL-incompatible licences@GPL,LGPL,AGPL|text:each licence's copyleft clause"},
	{"copyleft-source-only", "text-in:the source condition, with no same-licence term (Sleepycat: the third condition)"},
	{"copyleft-whole-work", "gpl-2.0:§2(b)|gpl-3.0:§5(c)|agpl-3.0:§5(c), §13|lgpl-2.1:§2|eupl-1.2:Art. 5|eupl-1.1:Art. 5|cc-legalcode:BY-SA §3(b)|text-in:the licence's copyleft clause"},
	{"lgpl-whole-library", "lgpl-2.1:§2|lgpl-3.0:§0, §2"},
	{"sharealike-adaptation", "cc-legalcode:BY-SA §3(b)|odbl:§4.4|cdla:Sharing 1.0 §3|text-in:the licence's share-alike clause"},
	{"odbl-produced-work", "odbl:§4.3, §4.4, §4.5, §4.6"},
	{"restricted-travels", "text-in:the source-available licence's limitations"},
	{"restricted-derivatives", "text-in:the clause making derivative works subject to the licence (BUSL-1.1: 'derivative works of the Licensed Work, are subject to this License')"},
	{"lgpl-dynamic", "lgpl-2.1:§6(b)|lgpl-3.0:§4(d)(1)|gpl-faq:#LGPLStaticVsDynamic"},
	{"lgpl-static", "lgpl-2.1:§6(a)|lgpl-3.0:§4(d)(0)|gpl-faq:#LGPLStaticVsDynamic"},
	{"gpl-link-combined", "gpl-faq:#GPLStaticVsDynamic|gpl-faq:#GPLIncompatibleLibs"},
	{"file-link", "mpl-2.0:§3.3|eclipse-faq:linking|text-in:file-scoped copyleft"},
	{"aggregate", "gpl-2.0:§2 (mere aggregation)|gpl-3.0:§5 (aggregate)|gpl-faq:#MereAggregation"},
	{"aggregate-collection", "cc-faq:collections are not adaptations@CC-|odbl:§4.5(a)|text-in:the licence's terms for unmodified copies"},
	{"aggregate-nc", "cc-legalcode:NC §1(i)|cc-faq:collections@CC-|text-in:the non-commercial limitation"},
	{"aggregate-restricted", "text-in:the source-available licence's limitations"},
	{"network-no-distribution", "gpl-3.0:§0 (convey)|gpl-faq:#UnreleasedMods@GPL,LGPL|mpl-2.0:§1.13|text-in:its conditions apply when the material is distributed"},
	{"network-copyleft", "agpl-3.0:§13|eupl-1.2:Art. 1 'Distribution or Communication'|eupl-1.1:Art. 1 'Distribution and/or Communication'|fsf-list:#AGPLv3.0@AGPL|text-in:the licence's network-use clause"},
	{"network-same", "agpl-3.0:§13|eupl-1.2:Art. 5|text:the licence's network-use clause"},
	{"network-content-share", "cc-legalcode:§1 'Share'|odbl:§1 'Publicly'|text-in:the licence's conditions for sharing"},
	{"network-restricted", "text-in:the licence's use limitations"},
	{"network-nc", "text-in:the licence's non-commercial limitation"},
	{"training-licence-allows", "text:the licence permits adaptation under the outbound licence"},
	{"training-unsettled", "text:licence texts do not address model training"},
	{"training-results-free", "cdla:Permissive 2.0 §3.1, §5.4; Sharing 1.0 §3.5, §1.11"},
	{"training-nc", "cc-legalcode:NC §1(i)|text-in:non-commercial terms"},
	{"exception-link", "gnu-texts:GPL linking exceptions|gpl-faq:#LinkingOverControlledInterface"},
	{"exception-static-link", "lgpl-2.1:§6|lgpl-3.0:§4(d)"},
	{"exception-header", "text-in:the header-material exception|lgpl-2.1:§5, §6"},
	{"exception-output", "gnu-texts:Bison and Autoconf exceptions"},
	{"exception-target-code", "gnu-texts:GCC Runtime Library Exception 3.1 §1 'Target Code', §2; GCC-exception-2.0 (linking only)"},
	{"exception-llvm", "text-in:LLVM Exceptions to the Apache 2.0 License"},
	{"exception-syscall", "text-in:Linux-syscall-note"},
	{"exception-foss", "text-in:Universal FOSS Exception 1.0"},
	{"exception-named-library", "text:the exception names one program"},
	{"exception-adds-permissions", "spdx:license exceptions grant additional permissions|gpl-3.0:§7"},
	{"exception-not-modelled", "spdx:license exceptions"},
	{"exception-not-grantable", "gpl-3.0:§7|gpl-2.0:§6"},
	{"exception-no-cure", "spdx:license exceptions grant additional permissions|gpl-3.0:§7"},
	// The AI model licences' rules (models.go) cite the clauses each
	// licence's profile rests on (profile/data/refs.tsv), added per reason.
	{"model-same-licence", "text-in:its conditions on sharing derivatives"},
	{"model-agreement-travels", "text-in:the clause passing the agreement to derivatives"},
	{"model-restrictions-travel", "text-in:the clause passing the use restrictions to derivatives"},
	{"model-aggregate", "text-in:its conditions on sharing copies"},
	{"model-service", "text-in:its use terms"},
	{"model-training-derivative", "text-in:its definition of derivatives"},
	{"model-training-forbidden", "text-in:§1.b.v"},
	{"model-training-naming", "text-in:§1.b.i, naming models made with it"},
}

func (e *Engine) loadRules() error {
	e.rules = make(map[string][]Source, len(ruleTable))
	e.ruleKeys = make(map[string][]string, len(ruleTable))
	e.ruleScopes = make(map[string][][]string, len(ruleTable))
	for _, r := range ruleTable {
		srcs, err := e.sources(r.sources)
		if err != nil {
			return fmt.Errorf("rule %s: %w", r.id, err)
		}
		e.rules[r.id] = srcs
		for _, part := range strings.Split(r.sources, "|") {
			key, clause, _ := strings.Cut(part, ":")
			e.ruleKeys[r.id] = append(e.ruleKeys[r.id], key)
			var scope []string
			if _, s, ok := strings.Cut(clause, "@"); ok {
				scope = strings.Split(s, ",")
			}
			e.ruleScopes[r.id] = append(e.ruleScopes[r.id], scope)
		}
	}
	return nil
}

// sourceLicences names the licences a licence-specific source is about, by
// identifier prefix. A rule written for a family of cases cites the clause
// of each licence it may concern; a reason keeps only those of the licences
// actually in question, so that "GPL-2.0-only into MIT" does not cite the
// EUPL. A source of a general statement (the FSF list, the GPL FAQ, the ASF
// policy) whose clause concerns particular licences names them in the rule
// itself, after "@" ("fsf-list:#AGPLv3.0@AGPL"; "@<" when only an inbound
// licence of those makes it relevant); other general sources are always
// kept.
var sourceLicences = map[string][]string{
	"gpl-2.0": {"GPL-2.0", "GPL-1.0"}, "gpl-3.0": {"GPL-3.0"}, "agpl-3.0": {"AGPL-3.0"},
	"lgpl-2.1": {"LGPL-2.1", "LGPL-2.0"}, "lgpl-3.0": {"LGPL-3.0"}, "mpl-2.0": {"MPL-2.0"},
	"eupl-1.2": {"EUPL-1.2"}, "eupl-1.1": {"EUPL-1.1"}, "cecill": {"CECILL"},
	"artistic-2.0": {"Artistic-2.0"}, "cc-legalcode": {"CC-BY"}, "cc0": {"CC0"},
	"odbl": {"ODbL"}, "cdla": {"CDLA"}, "eclipse-faq": {"EPL"}, "asf-gpl": {"Apache"},
	"eupl-matrix": {"EUPL"}, "fsf-eupl": {"EUPL"},
}

// relevantSources returns the sources of rule id that concern in or out
// (see sourceLicences); "text" sources become the two licences' texts,
// "text-in" the inbound's only. When none of a rule's sources concerns the
// licences at hand, the reason cites the two licence texts rather than
// statements about other licences.
func (e *Engine) relevantSources(id, in, out string) []Source {
	return e.relevantSourcesWith(id, in, out, false, nil)
}

// relevantSourcesWith is relevantSources leaving out the FSF list and data
// when noFSF is set, and adding extra.
func (e *Engine) relevantSourcesWith(id, in, out string, noFSF bool, extra []Source) []Source {
	srcs, keys, scopes := e.rules[id], e.ruleKeys[id], e.ruleScopes[id]
	kept := make([]Source, 0, len(srcs)+2+len(extra))
	for i, s := range srcs {
		key := keys[i]
		if noFSF && (key == "fsf-list" || key == "fsf-api") {
			continue
		}
		switch key {
		case "text":
			kept = append(kept, e.licenceText(in, s.Clause))
			if out != in && out != "" {
				kept = append(kept, e.licenceText(out, s.Clause))
			}
			continue
		case "text-in":
			kept = append(kept, e.licenceText(in, s.Clause))
			continue
		}
		prefixes, inboundOnly := scopes[i], false
		if len(prefixes) > 0 && strings.HasPrefix(prefixes[0], "<") {
			inboundOnly = true
			prefixes = append([]string{prefixes[0][1:]}, prefixes[1:]...)
		}
		if prefixes == nil {
			prefixes = sourceLicences[key]
		}
		if prefixes == nil || concerns(prefixes, in) || (!inboundOnly && concerns(prefixes, out)) {
			kept = append(kept, s)
		}
	}
	if len(kept) == 0 && len(extra) == 0 {
		kept = append(kept, e.licenceText(in, ""))
		if out != in && out != "" {
			kept = append(kept, e.licenceText(out, ""))
		}
	}
	return append(kept, extra...)
}

func concerns(prefixes []string, id string) bool {
	for _, p := range prefixes {
		if len(id) >= len(p) && strings.EqualFold(id[:len(p)], p) {
			return true
		}
	}
	return false
}

func (e *Engine) licenceText(id, clause string) Source {
	if _, exc, ok := strings.Cut(id, " WITH "); ok {
		// A rule about a term with an exception concerns the exception's
		// text.
		return Source{Title: "The " + exc + " text, as read by Stemma", URL: "https://spdx.org/licenses/" + exc + ".html", Clause: clause}
	}
	if id == "" {
		return Source{Title: "The licence text itself, as read by Stemma", URL: "https://spdx.org/licenses/", Clause: clause}
	}
	if i, ok := e.byLower[strings.ToLower(id)]; ok && e.lics[i].kind == kModel {
		p := e.lics[i].p
		return Source{Title: "The " + p.Name + " text, as read by Stemma", URL: p.Model.URL, Clause: clause}
	}
	return Source{Title: "The " + id + " licence text, as read by Stemma", URL: "https://spdx.org/licenses/" + id + ".html", Clause: clause}
}

// sources resolves "key:clause|key:clause" against the catalogue's source
// table. A clause may end in "@" and the licences it concerns (see
// sourceLicences); that scope is not part of the citation. "text-in" cites
// the licence text like "text".
func (e *Engine) sources(spec string) ([]Source, error) {
	var out []Source
	for _, part := range strings.Split(spec, "|") {
		if part == "" {
			continue
		}
		key, clause, _ := strings.Cut(part, ":")
		clause, _, _ = strings.Cut(clause, "@")
		if key == "text-in" {
			key = "text"
		}
		s, ok := e.cat.Source(key, clause)
		if !ok {
			return nil, fmt.Errorf("unknown source key %q", key)
		}
		out = append(out, s)
	}
	return out, nil
}

// reason builds a reason for rule id; the rule must be in ruleTable, which
// the tests check for every rule the engine can return.
func (e *Engine) reason(id string, v Verdict, in, out, msg string) Reason {
	return Reason{Rule: id, Message: msg, Verdict: v, Inbound: in, Outbound: out, Sources: e.relevantSources(id, in, out)}
}

// one is an outcome given by a single rule.
func (e *Engine) one(id string, v Verdict, in, out *lic, msg string, conditions ...string) *outcome {
	o := &outcome{verdict: v, reasons: []Reason{e.reason(id, v, in.name(), out.name(), msg)}}
	if v == Conditional {
		o.conditions = conditions
	}
	return o
}
