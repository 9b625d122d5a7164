package profile

import (
	"fmt"
	"strings"
)

// ref table columns (data/refs.tsv).
const (
	refID = iota
	refName
	refFamily
	refVersion
	refCategory
	refObligations
	refPatent
	refDomain
	refRestrictions
	refDerivatives
	refTraining
	refURL
	refBasis
	refConditions
	refNotes
	refCols
)

var (
	derivativesByName = map[string]DerivativeTerms{"agreement": DerivativesAgreement, "use-restrictions": DerivativesUseRestrictions}
	trainingByName    = map[string]TrainingTerms{"derivative": TrainingDerivative, "naming": TrainingNaming, "other-llm-forbidden": TrainingOtherLLMForbidden}
	scopeByName       = map[string]ConditionScope{"use": ScopeUse, "available": ScopeAvailable, "distribute": ScopeDistribute, "derivative": ScopeDerivative}
)

// loadRefs reads data/refs.tsv: licences outside the SPDX list that Stemma
// models from their texts, under LicenseRef- identifiers.
func (c *Catalogue) loadRefs() error {
	c.refIdx = make(map[string]int)
	return readTSV("data/refs.tsv", refCols, func(line int, f []string) error {
		if f[refID] == "id" {
			return nil
		}
		id := f[refID]
		if !strings.HasPrefix(id, "LicenseRef-") {
			return fmt.Errorf("%q: a licence outside the SPDX list has a LicenseRef- identifier", id)
		}
		if _, dup := c.refIdx[strings.ToLower(id)]; dup {
			return fmt.Errorf("%q appears twice", id)
		}
		p, err := c.refProfile(f)
		if err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		c.refIdx[strings.ToLower(id)] = len(c.refs)
		c.refs = append(c.refs, p)
		return nil
	})
}

func (c *Catalogue) refProfile(f []string) (Profile, error) {
	p := Profile{ID: f[refID], Name: f[refName], Family: f[refFamily], Version: f[refVersion],
		Modelled: true, Notes: f[refNotes], Model: &ModelTerms{URL: f[refURL]}}
	err := properties{category: f[refCategory], obligations: f[refObligations], patent: f[refPatent],
		domain: f[refDomain], gpl: "none", restrictions: f[refRestrictions]}.apply(&p)
	if err != nil {
		return p, err
	}
	var ok bool
	if p.Model.Derivatives, ok = derivativesByName[f[refDerivatives]]; !ok {
		return p, fmt.Errorf("unknown derivative terms %q", f[refDerivatives])
	}
	if p.Model.Training, ok = trainingByName[f[refTraining]]; !ok {
		return p, fmt.Errorf("unknown training terms %q", f[refTraining])
	}
	if !strings.HasPrefix(p.Model.URL, "https://") {
		return p, fmt.Errorf("the licence text's URL %q is not an https URL", p.Model.URL)
	}
	// basis: "key:clause|key:clause", each clause the part of the
	// statement the profile rests on.
	for _, part := range strings.Split(f[refBasis], "|") {
		key, clause, _ := strings.Cut(part, ":")
		s, ok := c.sources[key]
		if !ok {
			return p, fmt.Errorf("unknown source key %q", key)
		}
		s.Clause = strings.TrimSpace(clause)
		p.Sources = append(p.Sources, s)
	}
	for _, part := range strings.Split(f[refConditions], " | ") {
		scope, text, _ := strings.Cut(part, ": ")
		sc, ok := scopeByName[scope]
		if !ok || strings.TrimSpace(text) == "" {
			return p, fmt.Errorf("condition %q: want \"scope: text\" with scope use, available, distribute or derivative", part)
		}
		p.Model.Conditions = append(p.Model.Conditions, ModelCondition{Scope: sc, Text: strings.TrimSpace(text)})
	}
	return p, nil
}

// Ref returns the profile of a licence outside the SPDX list that Stemma
// models (an AI model licence), by its LicenseRef- identifier, ignoring
// case.
func (c *Catalogue) Ref(id string) (*Profile, bool) {
	i, ok := c.refIdx[strings.ToLower(id)]
	if !ok {
		return nil, false
	}
	return &c.refs[i], true
}

// Refs returns the profiles of the licences outside the SPDX list that
// Stemma models, in table order. The slice is shared: callers must not
// modify it.
func (c *Catalogue) Refs() []Profile { return c.refs }

// ConditionsFor returns the texts of the conditions that bind when the
// material is used in a way whose widest scope is upTo: ScopeUse gives the
// use conditions, ScopeAvailable those and the ones for making the model
// available, and so on up to ScopeDerivative, which gives them all.
func (m *ModelTerms) ConditionsFor(upTo ConditionScope) []string {
	var out []string
	for _, c := range m.Conditions {
		if c.Scope <= upTo {
			out = append(out, c.Text)
		}
	}
	return out
}
