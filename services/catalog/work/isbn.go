package work

import "strings"

// normaliseISBN accepts an ISBN-10 or ISBN-13, with or without an "ISBN"
// prefix, hyphens or spaces, and checks its check digit. The normal form
// is the 13 digits of the ISBN-13, so that both forms of one book's number
// match.
func normaliseISBN(s string) (string, error) {
	u := strings.ToUpper(s)
	u = strings.TrimPrefix(u, "ISBN")
	u = strings.TrimPrefix(u, "-13")
	u = strings.TrimPrefix(u, "-10")
	u = strings.TrimLeft(u, ": ")
	var d []byte
	for i := 0; i < len(u); i++ {
		switch c := u[i]; {
		case c >= '0' && c <= '9', c == 'X':
			d = append(d, c)
		case c == '-' || c == ' ':
		default:
			return "", identifierError("want 10 or 13 digits, with hyphens or spaces")
		}
	}
	switch len(d) {
	case 10:
		if !isbn10Valid(d) {
			return "", identifierError("wrong ISBN-10 check digit")
		}
		d13 := append([]byte("978"), d[:9]...)
		return string(append(d13, isbn13Check(d13))), nil
	case 13:
		if strings.IndexByte(string(d), 'X') >= 0 {
			return "", identifierError("an ISBN-13 has only digits")
		}
		if !strings.HasPrefix(string(d), "978") && !strings.HasPrefix(string(d), "979") {
			return "", identifierError("an ISBN-13 starts with 978 or 979")
		}
		if isbn13Check(d[:12]) != d[12] {
			return "", identifierError("wrong ISBN-13 check digit")
		}
		return string(d), nil
	}
	return "", identifierError("want 10 or 13 digits")
}

// isbn10Valid checks the mod-11 check digit of an ISBN-10; only the last
// character may be X (ten).
func isbn10Valid(d []byte) bool {
	sum := 0
	for i, c := range d {
		v := int(c - '0')
		if c == 'X' {
			if i != 9 {
				return false
			}
			v = 10
		}
		sum += (10 - i) * v
	}
	return sum%11 == 0
}

// isbn13Check returns the check digit of the first twelve digits of an
// ISBN-13 (EAN-13: weights 1 and 3, mod 10).
func isbn13Check(d []byte) byte {
	sum := 0
	for i, c := range d[:12] {
		w := 1
		if i%2 == 1 {
			w = 3
		}
		sum += w * int(c-'0')
	}
	return byte('0' + (10-sum%10)%10)
}
