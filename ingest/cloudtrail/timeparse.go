package cloudtrail

// ParseTime parses the timestamp forms found in CloudTrail records and
// returns UTC milliseconds since the Unix epoch:
//
//	2023-07-10T11:42:18Z          RFC 3339 (fraction and offset optional)
//	20131102T010628Z              ISO 8601 basic
//	Jul 18, 2014 4:07:39 PM       older responseElements dates
//	Jul 10, 2023, 12:09:47 PM     newer responseElements dates
//
// It does not allocate.
func ParseTime(b []byte) (ms int64, ok bool) {
	if len(b) >= 16 && isDigit(b[0]) {
		if len(b) >= 20 && b[4] == '-' {
			return parseRFC3339(b)
		}
		return parseBasic(b)
	}
	return parseMonthName(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digits parses b (all ASCII digits) as a decimal number.
func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(b) > 0
}

// daysFromCivil returns days since 1970-01-01 of a proleptic Gregorian date.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

var monthDays = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func civilMillis(y, mo, d, h, mi, s, ms int) (int64, bool) {
	if mo < 1 || mo > 12 || d < 1 || d > monthDays[mo] || (mo == 2 && d == 29 && !isLeap(y)) ||
		h > 23 || mi > 59 || s > 60 {
		return 0, false
	}
	if s == 60 { // leap second: clamp
		s = 59
		ms = 999
	}
	days := daysFromCivil(y, mo, d)
	return ((days*24+int64(h))*60+int64(mi))*60000 + int64(s)*1000 + int64(ms), true
}

func parseRFC3339(b []byte) (int64, bool) {
	// YYYY-MM-DDTHH:MM:SS
	if b[7] != '-' || (b[10] != 'T' && b[10] != 't' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	y, ok1 := digits(b[0:4])
	mo, ok2 := digits(b[5:7])
	d, ok3 := digits(b[8:10])
	h, ok4 := digits(b[11:13])
	mi, ok5 := digits(b[14:16])
	s, ok6 := digits(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return 0, false
	}
	rest := b[19:]
	ms := 0
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		scale := 100
		for i < len(rest) && isDigit(rest[i]) {
			ms += int(rest[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == 1 {
			return 0, false
		}
		rest = rest[i:]
	}
	t, ok := civilMillis(y, mo, d, h, mi, s, ms)
	if !ok {
		return 0, false
	}
	switch {
	case len(rest) == 1 && (rest[0] == 'Z' || rest[0] == 'z'):
		return t, true
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := digits(rest[1:3])
		om, ok2 := digits(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return 0, false
		}
		off := int64(oh*60+om) * 60000
		if rest[0] == '+' {
			return t - off, true
		}
		return t + off, true
	}
	return 0, false
}

// parseBasic parses YYYYMMDDTHHMMSSZ.
func parseBasic(b []byte) (int64, bool) {
	if len(b) != 16 || b[8] != 'T' || b[15] != 'Z' {
		return 0, false
	}
	y, ok1 := digits(b[0:4])
	mo, ok2 := digits(b[4:6])
	d, ok3 := digits(b[6:8])
	h, ok4 := digits(b[9:11])
	mi, ok5 := digits(b[11:13])
	s, ok6 := digits(b[13:15])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return 0, false
	}
	return civilMillis(y, mo, d, h, mi, s, 0)
}

var monthNames = [12]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// parseMonthName parses "Jul 18, 2014 4:07:39 PM" and
// "Jul 10, 2023, 12:09:47 PM" (UTC).
func parseMonthName(b []byte) (int64, bool) {
	if len(b) < len("Jan 1, 2014 1:00:00 AM") || b[3] != ' ' {
		return 0, false
	}
	mo := 0
	for i, n := range monthNames {
		if asciiEqualFold(b[:3], n) {
			mo = i + 1
			break
		}
	}
	if mo == 0 {
		return 0, false
	}
	p := b[4:]
	num := func(max int) (int, bool) {
		i := 0
		for i < len(p) && i < max && isDigit(p[i]) {
			i++
		}
		n, ok := digits(p[:i])
		p = p[i:]
		return n, ok
	}
	expect := func(c byte) bool {
		if len(p) == 0 || p[0] != c {
			return false
		}
		p = p[1:]
		return true
	}
	d, ok := num(2)
	if !ok || !expect(',') || !expect(' ') {
		return 0, false
	}
	y, ok := num(4)
	if !ok {
		return 0, false
	}
	expect(',')
	if !expect(' ') {
		return 0, false
	}
	h, ok := num(2)
	if !ok || !expect(':') {
		return 0, false
	}
	mi, ok := num(2)
	if !ok || !expect(':') {
		return 0, false
	}
	s, ok := num(2)
	if !ok || !expect(' ') || len(p) != 2 || h < 1 || h > 12 {
		return 0, false
	}
	switch {
	case asciiEqualFold(p, "am"):
		if h == 12 {
			h = 0
		}
	case asciiEqualFold(p, "pm"):
		if h != 12 {
			h += 12
		}
	default:
		return 0, false
	}
	return civilMillis(y, mo, d, h, mi, s, 0)
}
