package licenceservice

import (
	"strconv"
	"strings"

	licencesv1 "github.com/stemma-registry/stemma/proto/stemma/licences/v1"
	"github.com/stemma-registry/stemma/services/internal/filter"
	"github.com/stemma-registry/stemma/services/licences/profile"
)

// enumValues lists an enum's values without their prefix and without the
// UNSPECIFIED zero value, as filters spell them.
func enumValues(names map[int32]string, prefix string) []string {
	var out []string
	for n := int32(1); ; n++ {
		name, ok := names[n]
		if !ok {
			return out
		}
		out = append(out, strings.TrimPrefix(name, prefix))
	}
}

// licenceFilter is what ListLicences may filter on.
var licenceFilter = filter.Schema{
	"category":     {Type: filter.Enum, Values: enumValues(licencesv1.Category_name, "CATEGORY_"), Prefix: "CATEGORY_"},
	"domain":       {Type: filter.Enum, Values: enumValues(licencesv1.Domain_name, "DOMAIN_"), Prefix: "DOMAIN_"},
	"obligations":  {Type: filter.Enum, Values: enumValues(licencesv1.Obligation_name, "OBLIGATION_"), Prefix: "OBLIGATION_"},
	"patent_terms": {Type: filter.Enum, Values: enumValues(licencesv1.PatentTerms_name, "PATENT_TERMS_"), Prefix: "PATENT_TERMS_"},
	"family":       {Type: filter.String},
	"licence_id":   {Type: filter.String},
	"title":        {Type: filter.String},
	"osi_approved": {Type: filter.Bool},
	"fsf_libre":    {Type: filter.Bool},
	"deprecated":   {Type: filter.Bool},
	"modelled":     {Type: filter.Bool},
}

func licenceValues(p *profile.Profile) func(string) []string {
	return func(field string) []string {
		switch field {
		case "category":
			return []string{p.Category.String()}
		case "domain":
			return []string{p.Domain.String()}
		case "obligations":
			out := make([]string, len(p.Obligations))
			for i, o := range p.Obligations {
				out[i] = o.String()
			}
			return out
		case "patent_terms":
			return []string{p.Patent.String()}
		case "family":
			return []string{p.Family}
		case "licence_id":
			return []string{p.ID}
		case "title":
			return []string{p.Name}
		case "osi_approved":
			return []string{strconv.FormatBool(p.OSIApproved)}
		case "fsf_libre":
			return []string{strconv.FormatBool(p.FSFLibre)}
		case "deprecated":
			return []string{strconv.FormatBool(p.Deprecated)}
		case "modelled":
			return []string{strconv.FormatBool(p.Modelled)}
		}
		return nil
	}
}
