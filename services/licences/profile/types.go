package profile

import "strings"

// Category is the broad kind of a licence, ordered roughly from the most to
// the least permissive. The values match stemma.licences.v1.Category.
type Category int

// The categories.
const (
	CategoryUnspecified Category = iota
	PublicDomain
	Permissive
	WeakCopyleftFile
	WeakCopyleftLibrary
	StrongCopyleft
	NetworkCopyleft
	ShareAlike
	NonCommercial
	NoDerivatives
	ProprietaryOrUnknown
)

var categoryNames = [...]string{
	"UNSPECIFIED", "PUBLIC_DOMAIN", "PERMISSIVE", "WEAK_COPYLEFT_FILE", "WEAK_COPYLEFT_LIBRARY",
	"STRONG_COPYLEFT", "NETWORK_COPYLEFT", "SHARE_ALIKE", "NON_COMMERCIAL", "NO_DERIVATIVES",
	"PROPRIETARY_OR_UNKNOWN",
}

// String returns the category's name as the proto enum spells it without
// its prefix, for example "WEAK_COPYLEFT_FILE".
func (c Category) String() string { return enumName(categoryNames[:], int(c)) }

// Copyleft reports whether the category asks adaptations to stay under the
// licence in some scope (file, library, whole work or share-alike).
func (c Category) Copyleft() bool {
	return c >= WeakCopyleftFile && c <= ShareAlike
}

// Obligation is something a licensee must do when redistributing or
// adapting. The values match stemma.licences.v1.Obligation.
type Obligation int

// The obligations.
const (
	ObligationUnspecified Obligation = iota
	Attribution
	Notice
	StateChanges
	DiscloseSource
	SameLicence
	NetworkUse
)

var obligationNames = [...]string{
	"UNSPECIFIED", "ATTRIBUTION", "NOTICE", "STATE_CHANGES", "DISCLOSE_SOURCE", "SAME_LICENCE", "NETWORK_USE",
}

// String returns the obligation's name, for example "DISCLOSE_SOURCE".
func (o Obligation) String() string { return enumName(obligationNames[:], int(o)) }

// PatentTerms is what a licence says about patents. The values match
// stemma.licences.v1.PatentTerms.
type PatentTerms int

// The patent terms. PatentUnspecified is used for licences Stemma has not
// reviewed.
const (
	PatentUnspecified PatentTerms = iota
	PatentSilent
	PatentGrant
	PatentGrantWithRetaliation
	PatentWithheld
)

var patentNames = [...]string{"UNSPECIFIED", "SILENT", "GRANT", "GRANT_WITH_RETALIATION", "WITHHELD"}

// String returns the patent terms' name, for example "GRANT_WITH_RETALIATION".
func (p PatentTerms) String() string { return enumName(patentNames[:], int(p)) }

// Domain is the kind of material a licence is written for. The values match
// stemma.licences.v1.Domain.
type Domain int

// The domains.
const (
	DomainUnspecified Domain = iota
	Software
	Content
	Data
	Font
	Documentation
	Hardware
	AnyDomain
)

var domainNames = [...]string{"UNSPECIFIED", "SOFTWARE", "CONTENT", "DATA", "FONT", "DOCUMENTATION", "HARDWARE", "ANY"}

// String returns the domain's name, for example "CONTENT".
func (d Domain) String() string { return enumName(domainNames[:], int(d)) }

// GPLCompat says whether material under a licence may be combined into a
// work under the GNU GPL, as the FSF states it or as Stemma reads the text.
type GPLCompat int

// The GPL compatibility classes.
const (
	// GPLUnknown: not established; the engine answers UNKNOWN for GNU outbound.
	GPLUnknown GPLCompat = iota
	// GPLNone: not compatible with any GPL version.
	GPLNone
	// GPLv3Only: compatible with GPLv3 (and so LGPLv3, AGPLv3) but not GPLv2.
	GPLv3Only
	// GPLv2AndV3: compatible with GPLv2 and GPLv3.
	GPLv2AndV3
	// GPLFamily: the licence is itself a GNU licence; version rules apply.
	GPLFamily
	// GPLSecondary: compatible only through a named secondary-licence grant
	// (MPL-2.0 §1.12), which the engine's grant table spells out.
	GPLSecondary
)

var gplNames = [...]string{"unknown", "none", "v3", "v2+v3", "gnu", "secondary"}

// String returns the class as data/licences.tsv spells it.
func (g GPLCompat) String() string { return enumName(gplNames[:], int(g)) }

// Restriction is a set of limits a licence puts on use or redistribution
// beyond conditions a free licence may set.
type Restriction uint8

// The restrictions.
const (
	// Advertising: an advertising or acknowledgement clause (BSD-4-Clause).
	Advertising Restriction = 1 << iota
	// FieldOfUse: limits on who may use the material or for what.
	FieldOfUse
	// NoncommercialUse: commercial use is forbidden.
	NoncommercialUse
	// NoAdaptations: adaptations may not be shared.
	NoAdaptations
	// SourceAvailable: source is published but use is restricted.
	SourceAvailable
)

var restrictionNames = []struct {
	r    Restriction
	name string
}{
	{Advertising, "advertising"},
	{FieldOfUse, "field-of-use"},
	{NoncommercialUse, "noncommercial"},
	{NoAdaptations, "no-derivatives"},
	{SourceAvailable, "source-available"},
}

// Has reports whether every restriction in q is in r.
func (r Restriction) Has(q Restriction) bool { return r&q == q }

// String returns the restrictions as data/licences.tsv spells them,
// comma-separated, or "-" when there are none.
func (r Restriction) String() string {
	var parts []string
	for _, n := range restrictionNames {
		if r.Has(n.r) {
			parts = append(parts, n.name)
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ",")
}

// Source is a public statement a property or a rule rests on.
type Source struct {
	Title  string // for example "GNU GPL FAQ"
	URL    string
	Clause string // the clause or anchor, for example "§13"; may be empty
}

// Profile is one SPDX licence with Stemma's properties.
type Profile struct {
	ID          string // spelt as the SPDX list spells it
	Name        string // the SPDX full name
	Family      string // shared by all versions and variants, e.g. "GPL", "CC-BY-SA"
	Version     string // e.g. "2.0", "4.0"; empty when not versioned
	Port        string // Creative Commons jurisdiction port, e.g. "DE"; usually empty
	Category    Category
	Obligations []Obligation
	Patent      PatentTerms
	Domain      Domain
	GPL         GPLCompat
	Restricts   Restriction
	OSIApproved bool
	FSFLibre    bool
	Deprecated  bool
	ReplacedBy  string // for a deprecated identifier, the SPDX replacement expression
	// OrLater is true for "-or-later" identifiers, whose licensees may pick
	// a later version of the licence.
	OrLater bool
	// Modelled reports whether the compatibility rules cover the licence;
	// verdicts involving a licence that is not modelled are UNKNOWN.
	Modelled bool
	Sources  []Source
	Notes    string
	// Model is set for the licences outside the SPDX list that Stemma
	// models (data/refs.tsv: the AI model licences), whose identifier is a
	// LicenseRef-; nil for every SPDX licence.
	Model *ModelTerms
}

// ModelTerms are what an AI model licence (Llama, Gemma, the OpenRAIL
// family) asks of whoever uses, shares or builds on the model: the terms
// the compatibility rules turn into conditions and verdicts.
type ModelTerms struct {
	// URL is the licence text's canonical address.
	URL string
	// Derivatives says on what terms a derivative model may be shared.
	Derivatives DerivativeTerms
	// Training says what the text does to a model trained on the
	// material or its outputs.
	Training TrainingTerms
	// Conditions are the licence's conditions, each with the clause it
	// comes from and when it binds.
	Conditions []ModelCondition
}

// DerivativeTerms is how an AI model licence reaches derivative models.
type DerivativeTerms int

// The derivative terms.
const (
	// DerivativesAgreement: a derivative is shared with a copy of the
	// agreement and under its terms (Llama: §1.b.i "provide a copy of this
	// Agreement with any such Llama Materials" covers derivative works).
	DerivativesAgreement DerivativeTerms = iota + 1
	// DerivativesUseRestrictions: a derivative may carry other terms, if
	// they include the use restrictions as enforceable provisions and the
	// licence goes with it (OpenRAIL §4(a)-(b), Gemma §3.1).
	DerivativesUseRestrictions
)

// TrainingTerms is what an AI model licence says about models trained on
// the material or its outputs.
type TrainingTerms int

// The training terms.
const (
	// TrainingDerivative: the licence defines such models as derivatives
	// (OpenRAIL "Derivatives of the Model" include distillation; Gemma
	// "Model Derivatives" include transfer of patterns or Output).
	TrainingDerivative TrainingTerms = iota + 1
	// TrainingNaming: the licence asks such a model, when shared, to be
	// named after it (Llama 3.1-3.3 §1.b.i), without saying it is a
	// derivative work.
	TrainingNaming
	// TrainingOtherLLMForbidden: the licence forbids using the material or
	// its outputs to improve any other large language model (Llama 2 and
	// Llama 3 §1.b.v).
	TrainingOtherLLMForbidden
)

// ConditionScope says when a model licence's condition binds.
type ConditionScope int

// The scopes, from the widest.
const (
	// ScopeUse binds any use (an acceptable use policy, a user threshold).
	ScopeUse ConditionScope = iota + 1
	// ScopeAvailable binds sharing copies and making the model available,
	// a hosted service included.
	ScopeAvailable
	// ScopeDistribute binds sharing copies of the model or a derivative.
	ScopeDistribute
	// ScopeDerivative binds sharing a derivative model.
	ScopeDerivative
)

// ModelCondition is one condition of an AI model licence.
type ModelCondition struct {
	Scope ConditionScope
	Text  string // what must hold, with the clause, for example "(§2)"
}

// Has reports whether the licence carries obligation o.
func (p *Profile) Has(o Obligation) bool {
	for _, x := range p.Obligations {
		if x == o {
			return true
		}
	}
	return false
}

// ExceptionEffect is what an exception does, as far as Stemma models it.
type ExceptionEffect int

// The exception effects.
const (
	// EffectNone: not modelled. Exceptions only add permissions, so the
	// engine keeps a COMPATIBLE verdict of the base licence and otherwise
	// answers UNKNOWN.
	EffectNone ExceptionEffect = iota
	// EffectLinkAny: works linked with the covered library may carry any
	// licence (Classpath, GCC-like linking exceptions).
	EffectLinkAny
	// EffectStaticLink: the LGPL's relinking condition for static linking
	// is waived.
	EffectStaticLink
	// EffectOutput: generated output may carry any licence (Bison,
	// Autoconf), including when it is source.
	EffectOutput
	// EffectLLVM: the LLVM exception to Apache-2.0 (GPLv2 combination).
	EffectLLVM
	// EffectSyscall: the Linux syscall note.
	EffectSyscall
	// EffectLinkFOSS: linking with works under OSI- or FSF-approved
	// licences (Universal FOSS exception).
	EffectLinkFOSS
	// EffectNamedLibrary: permission to link with one named program (for
	// example OpenSSL); nothing else changes.
	EffectNamedLibrary
	// EffectTargetCode: the object code a compiler produces may be
	// combined with the covered runtime under any terms (GCC Runtime Library
	// Exception "Target Code", GCC-exception-2.0 linking); the runtime's
	// source, copied into a work, keeps the base licence.
	EffectTargetCode
	// EffectScope: the exception widens what the licence covers (a patent
	// grant, hardware, a cure period, unmodified binaries) without changing
	// on what terms the material may be copied into or linked with other
	// works, so the base licence decides every use Stemma models.
	EffectScope
	// EffectHeader: the object code of a work that uses an LGPL library
	// may incorporate material from the library's header files (inline
	// functions, templates, macros) under terms of the user's choice (the
	// Qt/Nokia/Digia and Open CASCADE exceptions). Linking the library
	// itself stays under the LGPL (the Qt texts ask compliance with LGPL-2.1
	// §6), so for the uses Stemma models the base licence decides; unlike
	// EffectStaticLink it does not waive the relinking condition.
	EffectHeader
)

var effectNames = [...]string{"none", "link-any", "static-link", "output", "llvm", "syscall", "link-foss", "named-library", "target-code", "scope", "header"}

// String returns the effect as data/exceptions.tsv spells it.
func (e ExceptionEffect) String() string { return enumName(effectNames[:], int(e)) }

// Exception is one SPDX licence exception with Stemma's model of it.
type Exception struct {
	ID         string
	Name       string
	Deprecated bool
	Effect     ExceptionEffect
	// Condition, when not empty, is what must hold for the effect to apply;
	// the engine then answers CONDITIONAL rather than COMPATIBLE.
	Condition string
	// Named is, for EffectNamedLibrary, the licence family of the program
	// the exception names (for example "OpenSSL").
	Named string
	// Description says what the exception permits, in one sentence.
	Description string
	Modelled    bool
	Sources     []Source
}

func enumName(names []string, i int) string {
	if i < 0 || i >= len(names) {
		return names[0]
	}
	return names[i]
}
