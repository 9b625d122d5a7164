package identify

// alias maps names people write for a licence, which are neither an SPDX id
// nor an SPDX full name, to an expression; note says why when the mapping
// is a judgement rather than a plain spelling, and is returned as a warning.
type alias struct {
	expr  string
	note  string
	names []string
	alts  []string // other readings of an ambiguous name, returned as Alternatives
}

// Notes shared by several entries.
const (
	noteGPLAny = "no GPL version given: the GPL lets the recipient choose any version ever published, hence -or-later from the first version"
	noteGuess  = "ambiguous name: mapped to the licence it most often means in package metadata; check the licence text"
)

var aliases = []alias{
	{expr: "Apache-2.0", names: []string{
		"Apache 2", "Apache-2", "Apache2", "Apache 2.0", "Apache-2.0 License", "Apache 2.0 License", "Apache License 2",
		"Apache License, Version 2.0", "Apache License v2", "Apache Software License 2.0", "Apache Software License, Version 2.0",
		"The Apache Software License, Version 2.0", "The Apache License, Version 2.0", "ASL 2.0", "ASL-2.0", "ASL2", "AL2", "AL 2.0",
		"Apache Public License 2.0", "Apache License Version 2"}},
	{expr: "Apache-2.0", note: noteGuess + " (Apache 1.0 and 1.1 are rare since 2004)", names: []string{
		"Apache", "Apache License", "Apache Software License", "ASL"}, alts: []string{"Apache-1.1", "Apache-1.0"}},
	{expr: "MIT", names: []string{"The MIT License", "MIT Licence", "MIT License (MIT)", "Expat", "Expat License", "MIT/Expat", "The MIT License (MIT)"}},
	{expr: "MIT", note: "\"MIT/X11\" names the MIT (Expat) terms as distinct from other MIT variants; the X11 licence proper adds an X Consortium advertising clause", names: []string{"MIT/X11", "MIT X11", "MIT-X11"}, alts: []string{"X11"}},
	{expr: "MIT", note: "the Bouncy Castle licence text is the MIT licence text with the Legion of the Bouncy Castle as copyright holder", names: []string{"Bouncy Castle Licence", "Bouncy Castle License"}},
	{expr: "BSD-3-Clause", names: []string{"New BSD", "New BSD License", "Modified BSD License", "Revised BSD License", "BSD 3-Clause", "BSD-3", "BSD3", "3-Clause BSD", "3-Clause BSD License", "BSD 3-Clause License", "BSD 3 Clause"}},
	{expr: "BSD-3-Clause", note: "the Eclipse Distribution License 1.0 is the BSD-3-Clause text (SPDX lists it so)", names: []string{"Eclipse Distribution License - v 1.0", "Eclipse Distribution License 1.0", "EDL 1.0", "EDL-1.0"}},
	{expr: "BSD-3-Clause", note: noteGuess + " (BSD-2-Clause is the other common reading)", names: []string{"BSD", "BSD License", "BSD-style", "BSD style license"}, alts: []string{"BSD-2-Clause"}},
	{expr: "BSD-2-Clause", names: []string{"Simplified BSD", "Simplified BSD License", "FreeBSD License", "BSD 2-Clause", "BSD-2", "BSD2", "2-Clause BSD", "2-Clause BSD License", "BSD 2-Clause License", "BSD 2 Clause"}},
	{expr: "ISC", names: []string{"ISC Licence", "ISC License (ISCL)"}},
	{expr: "0BSD", names: []string{"Zero-Clause BSD", "0-Clause BSD"}},
	{expr: "GPL-1.0-or-later", note: noteGPLAny, names: []string{"GPL", "GNU GPL", "GNU General Public License", "GNU General Public License (GPL)", "GNU Public License", "General Public License"}},
	{expr: "GPL-2.0-only", names: []string{"GPLv2", "GPL v2", "GPL-2", "GPL2", "GNU GPL v2", "GNU GPLv2", "GNU General Public License v2 (GPLv2)", "GNU General Public License, version 2", "GNU General Public License v2", "GPL 2.0"}},
	{expr: "GPL-2.0-or-later", names: []string{"GPLv2+", "GPL v2+", "GPL-2+", "GPL2+", "GPL 2.0+", "GPLv2 or later", "GPL v2 or later", "GNU General Public License v2 or later (GPLv2+)", "GNU GPL v2 or later", "GNU General Public License, version 2 or later"}},
	{expr: "GPL-3.0-only", names: []string{"GPLv3", "GPL v3", "GPL-3", "GPL3", "GNU GPL v3", "GNU GPLv3", "GNU General Public License v3 (GPLv3)", "GNU General Public License, version 3", "GNU General Public License v3", "GPL 3.0"}},
	{expr: "GPL-3.0-or-later", names: []string{"GPLv3+", "GPL v3+", "GPL-3+", "GPL3+", "GPL 3.0+", "GPLv3 or later", "GPL v3 or later", "GNU General Public License v3 or later (GPLv3+)", "GNU GPL v3 or later", "GNU General Public License, version 3 or later"}},
	{expr: "GPL-2.0-only WITH Classpath-exception-2.0", names: []string{"GPLv2 with classpath exception", "GPL2 w/ CPE", "GPLv2+CE", "GNU General Public License, version 2, with the Classpath Exception", "GPL-2.0 with Classpath exception"}},
	{expr: "CDDL-1.1 OR GPL-2.0-only WITH Classpath-exception-2.0", note: "the GlassFish/Jakarta dual licence: CDDL 1.1, or GPL 2.0 with the Classpath exception", names: []string{
		"CDDL + GPLv2 with classpath exception", "CDDL+GPL License", "CDDL+GPL", "CDDL/GPLv2+CE", "CDDL + GPLv2 with CPE",
		"Dual license consisting of the CDDL v1.1 and GPL v2"}},
	{expr: "CDDL-1.0", names: []string{"CDDL", "CDDL 1.0", "CDDL License", "Common Development and Distribution License"}},
	{expr: "CDDL-1.1", names: []string{"CDDL 1.1"}},
	{expr: "LGPL-2.0-or-later", note: "no LGPL version given: the LGPL lets the recipient choose any version ever published, the first being the Library GPL 2.0", names: []string{
		"LGPL", "GNU LGPL", "GNU Library General Public License", "GNU Library or Lesser General Public License (LGPL)", "LGPLv2+", "LGPL-2+", "GNU Lesser General Public License v2 or later (LGPLv2+)"}},
	{expr: "LGPL-2.1-or-later", note: "no LGPL version given, but the name \"Lesser\" exists only from version 2.1: read as 2.1 or later", names: []string{
		"GNU Lesser General Public License", "Lesser General Public License", "GNU Lesser Public License"}},
	{expr: "LGPL-2.1-only", names: []string{"LGPLv2.1", "LGPL v2.1", "LGPL-2.1", "LGPL 2.1", "GNU LGPL v2.1", "GNU Lesser General Public License, version 2.1", "GNU Lesser General Public License v2.1"}},
	{expr: "LGPL-2.1-or-later", names: []string{"LGPLv2.1+", "LGPL v2.1+", "LGPL 2.1+", "LGPLv2.1 or later", "GNU Lesser General Public License v2.1 or later"}},
	{expr: "LGPL-3.0-only", names: []string{"LGPLv3", "LGPL v3", "LGPL-3", "LGPL3", "GNU LGPL v3", "GNU LGPLv3", "GNU Lesser General Public License v3 (LGPLv3)", "GNU Lesser General Public License, version 3", "GNU Lesser General Public License v3"}},
	{expr: "LGPL-3.0-or-later", names: []string{"LGPLv3+", "LGPL v3+", "LGPL-3+", "LGPL3+", "LGPLv3 or later", "GNU Lesser General Public License v3 or later (LGPLv3+)"}},
	{expr: "AGPL-3.0-or-later", note: "no AGPL version given: the FSF's first AGPL is 3.0 and it lets the recipient choose any later version (Affero's AGPL 1.0 is not the FSF's)", names: []string{"AGPL", "GNU AGPL", "GNU Affero General Public License"}},
	{expr: "AGPL-3.0-only", names: []string{"AGPLv3", "AGPL v3", "AGPL-3", "AGPL3", "GNU AGPL v3", "GNU Affero General Public License v3", "GNU Affero General Public License v3 (AGPLv3)"}},
	{expr: "AGPL-3.0-or-later", names: []string{"AGPLv3+", "AGPL v3+", "AGPL-3+", "GNU Affero General Public License v3 or later (AGPLv3+)"}},
	{expr: "MPL-2.0", names: []string{"MPL 2.0", "MPL-2", "MPL2", "MPL v2", "Mozilla Public License, Version 2.0", "Mozilla Public License 2.0 (MPL 2.0)", "Mozilla Public License v2.0"}},
	{expr: "MPL-1.1", names: []string{"MPL 1.1", "Mozilla Public License 1.1 (MPL 1.1)", "Mozilla Public License, Version 1.1"}},
	{expr: "EPL-1.0", names: []string{"EPL 1.0", "EPL-1", "EPL", "Eclipse Public License", "Eclipse Public License - v 1.0", "Eclipse Public License v1.0", "Eclipse Public License 1.0"}},
	{expr: "EPL-2.0", names: []string{"EPL 2.0", "EPL-2", "EPL2", "Eclipse Public License - v 2.0", "Eclipse Public License v2.0", "Eclipse Public License, Version 2.0"}},
	{expr: "LicenseRef-Public-Domain", note: "SPDX has no identifier for a bare public-domain statement (CC-PDDM-1.0 is a mark, not a dedication); check whether CC0-1.0 or Unlicense is meant", names: []string{
		"Public Domain", "Public-Domain", "PD", "Public Domain (PD)", "Released into the public domain"}},
	{expr: "CC0-1.0", names: []string{"CC0", "CC0 1.0", "CC0 1.0 Universal", "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication", "Creative Commons Zero", "CC0-1.0 Universal", "Public Domain Dedication (CC0)"}},
	{expr: "Unlicense", names: []string{"The Unlicense", "Unlicensed (Unlicense)", "The Unlicense (Unlicense)"}},
	{expr: "WTFPL", names: []string{"WTFPL License", "Do What The F*ck You Want To Public License"}},
	{expr: "Zlib", names: []string{"zlib License", "zlib/libpng", "zlib/libpng License"}},
	{expr: "PSF-2.0", names: []string{"PSF", "PSF License", "PSFL", "Python Software Foundation License", "Python License"}},
	{expr: "Artistic-1.0-Perl OR GPL-1.0-or-later", note: "\"the same terms as Perl itself\": Perl 5 is licensed under the Artistic License or the GPL version 1 or later", names: []string{
		"Perl", "Perl License", "same as Perl", "the same terms as Perl itself", "Artistic or GPL"}},
	{expr: "Artistic-2.0", names: []string{"Artistic 2.0", "Artistic License 2.0", "Artistic-2"}},
	{expr: "BSL-1.0", names: []string{"Boost", "Boost License", "Boost Software License", "Boost Software License 1.0 (BSL-1.0)"}},
	{expr: "UPL-1.0", names: []string{"UPL", "Universal Permissive License", "UPL 1.0"}},
	{expr: "EUPL-1.2", names: []string{"EUPL 1.2", "EUPL v1.2", "European Union Public Licence 1.2 (EUPL 1.2)"}},
	{expr: "CC-BY-4.0", names: []string{"CC BY 4.0", "CC-BY 4.0", "Creative Commons Attribution 4.0", "Creative Commons Attribution 4.0 International (CC BY 4.0)"}},
	{expr: "CC-BY-SA-4.0", names: []string{"CC BY-SA 4.0", "CC-BY-SA 4.0", "Creative Commons Attribution-ShareAlike 4.0", "Creative Commons Attribution Share Alike 4.0"}},
	{expr: "HPND", names: []string{"Historical Permission Notice and Disclaimer (HPND)"}},
	// AI model licences, which SPDX does not list: Stemma models them under
	// LicenseRef- ids (profile/data/refs.tsv, whose full names and text URLs
	// resolve too). The first name of each is the model hub's license id.
	{expr: "LicenseRef-Llama-2", names: []string{"llama2", "llama-2", "Llama 2 Community License", "LLAMA 2 Community License Agreement"}},
	{expr: "LicenseRef-Llama-3", names: []string{"llama3", "llama-3", "Meta Llama 3 Community License", "Llama 3 Community License", "Llama 3 Community License Agreement"}},
	{expr: "LicenseRef-Llama-3.1", names: []string{"llama3.1", "llama-3.1", "Llama 3.1 Community License"}},
	{expr: "LicenseRef-Llama-3.2", names: []string{"llama3.2", "llama-3.2", "Llama 3.2 Community License"}},
	{expr: "LicenseRef-Llama-3.3", names: []string{"llama3.3", "llama-3.3", "Llama 3.3 Community License"}},
	{expr: "LicenseRef-Gemma", names: []string{"gemma", "gemma-terms-of-use", "Gemma Terms", "Gemma License"}},
	{expr: "LicenseRef-CreativeML-OpenRAIL-M", names: []string{"creativeml-openrail-m", "CreativeML OpenRAIL-M", "CreativeML Open RAIL-M"}},
	{expr: "LicenseRef-OpenRAILpp-M", names: []string{"openrail++", "OpenRAIL++-M", "Open RAIL++-M", "CreativeML OpenRAIL++-M", "CreativeML Open RAIL++-M"}},
	{expr: "LicenseRef-BigScience-BLOOM-RAIL-1.0", names: []string{"bigscience-bloom-rail-1.0", "BigScience BLOOM RAIL 1.0", "BLOOM RAIL 1.0", "BigScience RAIL License 1.0"}},
	{expr: "LicenseRef-BigCode-OpenRAIL-M-1.0", names: []string{"bigcode-openrail-m", "bigcode-open-rail-m-v1", "BigCode OpenRAIL-M", "BigCode Open RAIL-M v1", "BigCode OpenRAIL-M v1"}},
}

// canonicalURLs are the pages people link for a licence that the SPDX
// seeAlso lists do not carry. A URL to a GNU licence text names the version
// but not "or later", so it maps to -only: the literal reading.
var canonicalURLs = map[string]string{
	"https://www.apache.org/licenses/LICENSE-2.0":                 "Apache-2.0",
	"https://opensource.org/licenses/Apache-2.0":                  "Apache-2.0",
	"https://opensource.org/licenses/apache2.0":                   "Apache-2.0",
	"https://choosealicense.com/licenses/apache-2.0":              "Apache-2.0",
	"https://opensource.org/licenses/MIT":                         "MIT",
	"https://opensource.org/licenses/mit-license":                 "MIT",
	"https://choosealicense.com/licenses/mit":                     "MIT",
	"https://mit-license.org":                                     "MIT",
	"https://opensource.org/licenses/BSD-3-Clause":                "BSD-3-Clause",
	"https://opensource.org/licenses/bsd-license":                 "BSD-2-Clause",
	"https://choosealicense.com/licenses/bsd-3-clause":            "BSD-3-Clause",
	"https://opensource.org/licenses/BSD-2-Clause":                "BSD-2-Clause",
	"https://choosealicense.com/licenses/bsd-2-clause":            "BSD-2-Clause",
	"https://opensource.org/licenses/ISC":                         "ISC",
	"https://choosealicense.com/licenses/isc":                     "ISC",
	"https://www.gnu.org/licenses/gpl-2.0":                        "GPL-2.0-only",
	"https://www.gnu.org/licenses/old-licenses/gpl-2.0":           "GPL-2.0-only",
	"https://www.gnu.org/licenses/gpl-3.0":                        "GPL-3.0-only",
	"https://www.gnu.org/licenses/gpl":                            "GPL-3.0-only",
	"https://choosealicense.com/licenses/gpl-3.0":                 "GPL-3.0-only",
	"https://choosealicense.com/licenses/gpl-2.0":                 "GPL-2.0-only",
	"https://www.gnu.org/licenses/lgpl-2.1":                       "LGPL-2.1-only",
	"https://www.gnu.org/licenses/old-licenses/lgpl-2.1":          "LGPL-2.1-only",
	"https://www.gnu.org/licenses/lgpl-3.0":                       "LGPL-3.0-only",
	"https://www.gnu.org/licenses/lgpl":                           "LGPL-3.0-only",
	"https://choosealicense.com/licenses/lgpl-3.0":                "LGPL-3.0-only",
	"https://www.gnu.org/licenses/agpl-3.0":                       "AGPL-3.0-only",
	"https://www.gnu.org/licenses/agpl":                           "AGPL-3.0-only",
	"https://choosealicense.com/licenses/agpl-3.0":                "AGPL-3.0-only",
	"https://www.mozilla.org/MPL/2.0":                             "MPL-2.0",
	"https://www.mozilla.org/en-US/MPL/2.0":                       "MPL-2.0",
	"https://mozilla.org/MPL/2.0":                                 "MPL-2.0",
	"https://choosealicense.com/licenses/mpl-2.0":                 "MPL-2.0",
	"https://www.eclipse.org/legal/epl-v10":                       "EPL-1.0",
	"https://www.eclipse.org/legal/epl-2.0":                       "EPL-2.0",
	"https://www.eclipse.org/legal/epl-v20":                       "EPL-2.0",
	"https://www.eclipse.org/org/documents/edl-v10":               "BSD-3-Clause",
	"https://creativecommons.org/licenses/by/4.0":                 "CC-BY-4.0",
	"https://creativecommons.org/licenses/by/4.0/legalcode":       "CC-BY-4.0",
	"https://creativecommons.org/licenses/by-sa/4.0":              "CC-BY-SA-4.0",
	"https://creativecommons.org/licenses/by-sa/4.0/legalcode":    "CC-BY-SA-4.0",
	"https://creativecommons.org/publicdomain/zero/1.0":           "CC0-1.0",
	"https://creativecommons.org/publicdomain/zero/1.0/legalcode": "CC0-1.0",
	"https://unlicense.org":                                       "Unlicense",
	"https://www.boost.org/LICENSE_1_0":                           "BSL-1.0",
	"https://glassfish.dev.java.net/public/CDDL+GPL_1_1":          "CDDL-1.1 OR GPL-2.0-only WITH Classpath-exception-2.0",
	"https://oss.oracle.com/licenses/CDDL+GPL-1.1":                "CDDL-1.1 OR GPL-2.0-only WITH Classpath-exception-2.0",
	// Pages model cards link for the AI model licences, besides the text
	// URLs of profile/data/refs.tsv.
	"https://ai.meta.com/resources/models-and-libraries/llama-downloads":            "LicenseRef-Llama-2",
	"https://huggingface.co/meta-llama/Llama-2-7b/blob/main/LICENSE.txt":            "LicenseRef-Llama-2",
	"https://llama.meta.com/llama3/license":                                         "LicenseRef-Llama-3",
	"https://www.llama.com/llama3/license":                                          "LicenseRef-Llama-3",
	"https://llama.meta.com/llama3_1/license":                                       "LicenseRef-Llama-3.1",
	"https://www.llama.com/llama3_1/license":                                        "LicenseRef-Llama-3.1",
	"https://llama.meta.com/llama3_2/license":                                       "LicenseRef-Llama-3.2",
	"https://www.llama.com/llama3_2/license":                                        "LicenseRef-Llama-3.2",
	"https://llama.meta.com/llama3_3/license":                                       "LicenseRef-Llama-3.3",
	"https://www.llama.com/llama3_3/license":                                        "LicenseRef-Llama-3.3",
	"https://huggingface.co/spaces/CompVis/stable-diffusion-license":                "LicenseRef-CreativeML-OpenRAIL-M",
	"https://huggingface.co/stabilityai/stable-diffusion-2/blob/main/LICENSE-MODEL": "LicenseRef-OpenRAILpp-M",
	"https://bigscience.huggingface.co/blog/the-bigscience-rail-license":            "LicenseRef-BigScience-BLOOM-RAIL-1.0",
	"https://www.bigcode-project.org/docs/pages/bigcode-openrail":                   "LicenseRef-BigCode-OpenRAIL-M-1.0",
}
