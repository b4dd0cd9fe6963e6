package names

import "strings"

// Skeleton returns the phonetic key of a romanised token: a consonant
// skeleton built for names that reached Latin through different
// transliteration schemes. Vowels are dropped (Arabic and Hebrew do not
// write them; Russian е/э/ё, Korean eo/o and English ee/i disagree on them
// anyway) except that a leading vowel is kept as "a"; consonants that
// transliteration schemes confuse are merged into one class:
//
//	k: k c(a/o/u) q g gh ck ch(before consonant)   — Qaddafi, Gaddafi, Kaddafi
//	j: j dj dzh zh g(e/i in Gamal/Jamal) ch tch    — Jamal, Djamal, Dzhamal, Chang, Jang
//	s: s z ts tz c(e/i) sh sch ss ç ş x(initial)   — Shoigu, Schoigu; Hsi, Xi
//	d: d t th dh dt                                 — Ahmed, Ahmet; Mehmet, Mehmed
//	b: b p ph→f is kept apart                       — Habib, Habip
//	f: f v w ph                                     — Vahid, Wahid
//	h: h kh (dropped after a consonant and at the end of a word)
//
// l, m, n, r and y-initial keep their own class; doubled letters collapse.
// The key is an index key and one of several signals in Compare, never the
// only evidence for a match.
func Skeleton(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(s))
	last := byte(0)
	emit := func(c byte) {
		if c != last {
			b.WriteByte(c)
			last = c
		}
	}
	isVowel := func(c byte) bool {
		return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y'
	}
	at := func(i int) byte {
		if i >= 0 && i < len(s) {
			return s[i]
		}
		return 0
	}
	n := len(s)
	for i := 0; i < n; i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			emit(c)
			continue
		}
		if c < 'a' || c > 'z' {
			// Letters outside ASCII (scripts without a table) are kept.
			b.WriteByte(c)
			last = c
			continue
		}
		next := at(i + 1)
		switch c {
		case 'a', 'e', 'i', 'o', 'u':
			if i == 0 {
				emit('a')
			} else {
				last = 0 // a vowel separates repeated consonants (Aziz → "ass")
			}
		case 'y':
			if i == 0 && !isVowel(next) {
				emit('a')
			} else if i == 0 {
				emit('y')
			}
		case 'w', 'v', 'f':
			emit('f')
		case 'p':
			if next == 'h' {
				emit('f')
				i++
			} else {
				emit('b')
			}
		case 'b':
			emit('b')
		case 'k', 'q', 'g':
			if c == 'k' && next == 'h' {
				emit('h')
				i++
				continue
			}
			if c == 'g' && next == 'h' {
				i++
			}
			emit('k')
		case 'c':
			switch {
			case next == 'h':
				emit('j')
				i++
			case next == 'k':
				emit('k')
				i++
			case next == 'e' || next == 'i' || next == 'y':
				emit('s')
			default:
				emit('k')
			}
		case 'x':
			if i == 0 {
				emit('s')
			} else {
				emit('k')
				emit('s')
			}
		case 'j':
			emit('j')
		case 'z':
			if next == 'h' {
				emit('j')
				i++
			} else {
				emit('s')
			}
		case 's':
			switch {
			case next == 'c' && at(i+2) == 'h':
				i += 2
			case next == 'h':
				i++
			}
			emit('s')
		case 'd', 't':
			switch {
			case next == 'h':
				i++
			case c == 'd' && next == 'z' && at(i+2) == 'h':
				emit('j')
				i += 2
				continue
			case c == 'd' && next == 'j':
				emit('j')
				i++
				continue
			case c == 't' && next == 'c' && at(i+2) == 'h':
				emit('j')
				i += 2
				continue
			case c == 't' && (next == 's' || next == 'z'):
				emit('s')
				i++
				continue
			}
			emit('d')
		case 'h':
			if i == 0 && wadeGilesHs[s] { // Hsi = Xi
				continue
			}
			prev := at(i - 1)
			if prev == 'b' || prev == 'j' || prev == 'h' {
				continue // Indic aspirates bh, jh
			}
			if i == n-1 && i > 0 {
				continue // Allah, Fatimah
			}
			emit('h')
		default: // l m n r
			emit(c)
		}
	}
	return b.String()
}

// wadeGilesHs are the Wade-Giles syllables written with hs- (pinyin x-).
// "Hsin" is left out: as a consonant skeleton it is far more often Arabic
// Husayn (حسين) than Wade-Giles Xin.
var wadeGilesHs = map[string]bool{
	"hsi": true, "hsia": true, "hsiao": true, "hsieh": true, "hsien": true, "hsiang": true,
	"hsiu": true, "hsiung": true, "hsu": true, "hsueh": true, "hsuan": true, "hsun": true, "hsing": true,
}
