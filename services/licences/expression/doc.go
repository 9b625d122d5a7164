// Package expression parses SPDX licence expressions (SPDX 2.3 annex D and
// SPDX 3.0) into trees and prints them back in canonical form.
//
// Parse checks every identifier against an SPDX list and normalises what it
// accepts, so that two spellings of the same expression give the same tree:
//
//   - Licence and exception identifiers match ignoring case and come out as
//     SPDX spells them; "LicenseRef-", "DocumentRef-" and "AdditionRef-"
//     prefixes match ignoring case and come out in their canonical case,
//     while the idstring after them is kept as written.
//   - Operators are accepted all upper case or all lower case ("AND",
//     "and"); a mixed-case "And" is refused rather than guessed at, since
//     SPDX 3.0 allows only those two spellings.
//   - A deprecated identifier is replaced by the expression SPDX names for
//     it (which may carry its own WITH), with a warning. "GPL-2.0+" and
//     "GPL-2.0" followed by "+" both become "GPL-2.0-or-later".
//   - "+" on an identifier whose family has an "-or-later" form becomes that
//     form ("LGPL-2.1-only+" is "LGPL-2.1-or-later"), with a warning; other
//     identifiers keep the "+" (Term.OrLater), because SPDX has no
//     identifier for, say, "Apache-1.0 or later".
//   - Operands keep the order they were written in, since the order of an
//     OR may carry the licensor's preference; nothing is sorted or
//     deduplicated. Nested operations of one kind are flattened, so an And
//     never holds an And and an Or never holds an Or.
//
// The parser is bounded so that hostile input is cheap to refuse: at most
// 8192 characters, 512 licences and 64 levels of parentheses. Its recursion
// follows the parentheses, so the nesting bound also bounds the stack.
// Every error is a *SyntaxError giving the position of the offending token.
package expression
