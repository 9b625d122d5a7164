package graph

import (
	"strings"

	"github.com/stemma-registry/stemma/services/internal/apierr"
)

// EffectiveUse returns the use a derivation's licence check is made for:
// the use asked for, or the relation's default. A training relation takes
// only the training use, and the training use belongs only to it, so that
// a verdict about training is never made for anything else.
//
// A verbatim copy is checked as incorporation: copying a work and
// distributing it under the derivative's licence asks the same question
// as including it unmodified (GPL material may not be relabelled MIT; ND
// material may be copied under its own licence, which the engine answers
// CONDITIONAL "unmodified").
func EffectiveUse(r Relation, u Use) (Use, error) {
	if u != 0 && !u.Valid() {
		return 0, apierr.Invalid("derivation.use", "unknown use %d", u)
	}
	switch {
	case r == Training && u != 0 && u != UseTraining:
		return 0, apierr.Invalid("derivation.use", "a training derivation is checked for USE_TRAINING; leave use unset")
	case r != Training && u == UseTraining:
		return 0, apierr.Invalid("derivation.use", "USE_TRAINING belongs to RELATION_TRAINING")
	case u != 0:
		return u, nil
	}
	switch r {
	case Training:
		return UseTraining, nil
	case Dependency:
		return UseLinkDynamic, nil
	}
	return UseIncorporate, nil
}

var verbs = map[Relation]string{
	Adaptation:  "adapted",
	Translation: "translated",
	Remix:       "remixed",
	Fork:        "forked",
	Inclusion:   "included",
	Copy:        "copied verbatim",
	Dependency:  "used as a dependency",
	Training:    "used to train a model",
}

var useWords = map[Use]string{
	UseLinkStatic:     "linked statically",
	UseLinkDynamic:    "linked dynamically",
	UseAggregate:      "distributed alongside",
	UseNetworkService: "run as a network service",
}

// Verb says how a derivative used its source: "adapted (chapter 2)",
// "included, linked dynamically".
func (d *Derivation) Verb() string {
	var b strings.Builder
	b.WriteString(verbs[d.Relation])
	if w, ok := useWords[d.Use]; ok && d.Relation == Inclusion {
		b.WriteString(", " + w)
	}
	if p := strings.TrimSpace(d.Portion); p != "" {
		b.WriteString(" (" + p + ")")
	}
	return b.String()
}

// Change describes in words what a derivative did with its source, for
// attributions: its verb and the recorder's note, "adapted (chapter 2):
// colours changed".
func (d *Derivation) Change() string {
	if n := strings.TrimSpace(d.Note); n != "" {
		return d.Verb() + ": " + n
	}
	return d.Verb()
}

// CycleError is the error of a derivation that would close a cycle. cycle
// lists the works around it, starting and ending with the derivative: the
// new edge goes from cycle[0] to cycle[1], and the rest of the path
// already exists.
func CycleError(cycle []string) *apierr.Error {
	named := make([]string, len(cycle))
	for i, w := range cycle {
		named[i] = "works/" + w
	}
	path := strings.Join(named, " -> ")
	msg := named[0] + " cannot derive from itself"
	if len(cycle) > 2 {
		msg = named[0] + " cannot derive from " + named[1] + ": " + named[1] + " already derives from " + named[0] +
			", so the derivation would close the cycle " + path
	}
	e := apierr.Precondition("CYCLE", msg, apierr.Violation{
		Type: "CYCLE", Subject: named[0], Description: "cycle: " + path,
	})
	return e.With("cycle", strings.Join(named, ","))
}
