package names

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Kind says what role a token plays in a name.
type Kind uint8

// The kinds of token. Titles and particles are neither required nor
// penalised when missing; they only count when a name has nothing else.
const (
	KindName     Kind = iota // a name part
	KindParticle             // al-, bin, van, de, …
	KindTitle                // Mr, Dr, Sheikh, General, …
)

// Token is one analysed part of a name.
type Token struct {
	Text  string // lower-case ASCII romanisation, as written
	Canon string // canonical form: the head of its equivalence class, or Text
	Key   string // phonetic consonant skeleton of Canon (see Skeleton)
	Kind  Kind
	Abjad bool // romanised from a script that does not write vowels (Arabic, Hebrew)
}

// Analysis is a name broken into tokens, in the order written.
type Analysis struct {
	Tokens []Token
}

// titles are honorifics, ranks and generational suffixes, after folding.
var titles = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "miss": true, "dr": true, "prof": true, "sir": true,
	"dame": true, "lord": true, "lady": true, "sheikh": true, "shaikh": true, "shaykh": true,
	"sheik": true, "haji": true, "hajji": true, "hadji": true, "alhaji": true, "sayyid": true,
	"sayed": true, "syed": true, "sayyed": true, "sayid": true, "mullah": true, "mulla": true,
	"maulvi": true, "mawlawi": true, "maulana": true, "mawlana": true, "qari": true,
	"imam": true, "general": true, "gen": true, "colonel": true, "col": true, "major": true,
	"maj": true, "captain": true, "capt": true, "lieutenant": true, "lt": true, "sgt": true,
	"sergeant": true, "admiral": true, "adm": true, "brigadier": true, "marshal": true,
	"president": true, "minister": true, "senator": true, "sen": true, "rep": true,
	"hon": true, "honorable": true, "honourable": true, "rev": true, "reverend": true,
	"father": true, "fr": true, "bishop": true, "ayatollah": true, "hojatoleslam": true,
	"emir": true, "prince": true, "princess": true, "king": true, "queen": true,
	"jr": true, "sr": true, "ii": true, "iii": true, "iv": true, "esq": true, "phd": true,
	"md": true, "herr": true, "frau": true, "mme": true, "mlle": true,
	"don": true, "dona": true, "sri": true, "shri": true, "smt": true, "tun": true,
	"datuk": true, "dato": true, "gospodin": true,
	"mister": true, "doctor": true, "docteur": true, "professor": true,
}

// particles are name connectors and articles.
var particles = map[string]bool{
	"al": true, "el": true, "ul": true, "ad": true, "ar": true, "as": true, "at": true,
	"az": true, "an": true, "ud": true, "ur": true, "bin": true, "ben": true, "ibn": true,
	"bint": true, "binti": true, "bte": true, "abu": true, "abou": true, "bou": true,
	"ould": true, "uld": true, "walad": true, "wa": true, "van": true, "von": true, "der": true,
	"den": true, "ter": true, "te": true, "de": true, "da": true, "di": true, "do": true,
	"dos": true, "das": true, "del": true, "della": true, "dei": true, "la": true, "le": true,
	"les": true, "lo": true, "du": true, "des": true, "y": true, "e": true, "zu": true,
	"af": true, "av": true, "st": true, "ap": true, "ferch": true, "bat": true,
	"dem": true, "vom": true, "vander": true, "vd": true,
}

// Analyze breaks a full name in any script into tokens: Unicode
// normalisation, case folding, transliteration to Latin, splitting on
// spaces and punctuation, and classification into names, particles and
// titles. It never fails; a name with no letters gives no tokens.
func Analyze(name string) Analysis {
	var a Analysis
	words := splitWords(norm.NFC.String(name))
	if len(words) == 0 {
		return a
	}
	ukr := isUkrainian(name)
	for _, w := range words {
		for _, part := range romanise(w, ukr) {
			a.Tokens = append(a.Tokens, part)
		}
	}
	return a
}

// romanise turns one written word into tokens. A Chinese name written
// without spaces becomes surname + given name; an Arabic word with the
// article becomes "al" + the rest.
func romanise(w []rune, ukr bool) []Token {
	if len(w) >= 2 && isHan(w[0]) && isHan(w[1]) {
		// Chinese names: one-character surname (two for the few compound
		// surnames is not attempted), then the given name as one token.
		return nameParts(translitWord(w[:1], ukr), translitWord(w[1:], ukr))
	}
	if len(w) >= 2 && w[0] >= 0xAC00 && w[0] <= 0xD7A3 && len(w) <= 4 && len(w) >= 3 {
		// Korean names written as one word: one-syllable family name.
		return nameParts(translitWord(w[:1], ukr), translitWord(w[1:], ukr))
	}
	if len(w) > 3 && w[0] == 'ا' && w[1] == 'ل' {
		t := newToken(translitWord(w[2:], ukr))
		t.Abjad = true
		return []Token{newToken("al"), t}
	}
	s := deLeet(translitWord(w, ukr))
	if isHan(w[0]) || (w[0] >= 0xAC00 && w[0] <= 0xD7A3) {
		return nameParts(s) // syllables such as "da", "an" are names here
	}
	abjad := isAbjad(w[0])
	var out []Token
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == '\'' }) {
		if f != "" {
			t := newToken(f)
			t.Abjad = abjad
			out = append(out, t)
		}
	}
	return out
}

// isAbjad reports whether r is a letter of a script that leaves most
// vowels unwritten (Hebrew, Arabic and its Persian and Urdu forms).
func isAbjad(r rune) bool {
	return (r >= 0x590 && r < 0x700) || (r >= 0x750 && r < 0x780) || (r >= 0xFB1D && r < 0xFF00)
}

// nameParts makes tokens of kind name, whatever their text.
func nameParts(texts ...string) []Token {
	out := make([]Token, 0, len(texts))
	for _, t := range texts {
		if t == "" {
			continue
		}
		tk := newToken(t)
		tk.Kind = KindName
		out = append(out, tk)
	}
	return out
}

// newToken classifies a romanised token and computes its canonical form and
// skeleton.
func newToken(text string) Token {
	t := Token{Text: text, Kind: newTokenKind(text)}
	t.Canon = canonical(text)
	t.Key = Skeleton(t.Canon)
	return t
}

// splitWords splits s into words of letters and digits; apostrophes inside
// a word are dropped (Mu'tassim → Mutassim) and every other punctuation or
// space separates words. Combining marks stay with their letter.
func splitWords(s string) [][]rune {
	var words [][]rune
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, cur)
			cur = nil
		}
	}
	for _, r := range s {
		switch {
		case isApostrophe(r):
			continue
		case unicode.IsLetter(r), unicode.IsDigit(r):
			cur = append(cur, r)
		case unicode.Is(unicode.Mn, r), unicode.Is(unicode.Mc, r):
			if len(cur) > 0 {
				cur = append(cur, r)
			}
		default:
			flush()
		}
	}
	flush()
	return words
}

// isApostrophe reports whether r is one of the apostrophe-like characters
// used inside transliterated names (ain, hamza, Korean aspiration).
func isApostrophe(r rune) bool {
	switch r {
	case '\'', '’', '‘', 'ʼ', 'ʻ', 'ʿ', 'ʾ', '`', '´', '′', '?', '\u0640':
		return true
	}
	return false
}

// isUkrainian reports whether a Cyrillic name uses a letter only Ukrainian
// has, or the Ukrainian adjectival ending -ський, so that и and г are read
// the Ukrainian way.
func isUkrainian(s string) bool {
	return strings.ContainsAny(s, "іїєґІЇЄҐ") || strings.Contains(s, "ськ") || strings.Contains(s, "цьк") || strings.Contains(s, "СЬК")
}

// foldLatin removes diacritics from r and maps the Latin letters that do not
// decompose (ß, æ, ø, ł, đ, þ, ı, œ) to ASCII; other runes are returned
// lower-cased without their marks.
func foldLatin(r rune) string {
	switch r {
	case 'ß':
		return "ss"
	case 'æ':
		return "ae"
	case 'ø':
		return "o"
	case 'ł':
		return "l"
	case 'đ', 'ð':
		return "d"
	case 'þ':
		return "th"
	case 'ı':
		return "i"
	case 'œ':
		return "oe"
	case 'ŋ':
		return "ng"
	case 'ə':
		return "e"
	}
	var b strings.Builder
	for _, c := range norm.NFKD.String(string(r)) {
		if unicode.Is(unicode.Mn, c) || unicode.Is(unicode.Mc, c) || unicode.Is(unicode.Me, c) {
			continue
		}
		c = unicode.ToLower(c)
		if c < 0x80 || unicode.IsLetter(c) || unicode.IsDigit(c) {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// nameTokens returns the tokens of kind name, or all tokens when there are
// none (a name made only of particles or titles still has to match itself).
func (a Analysis) nameTokens() []Token {
	var out []Token
	for _, t := range a.Tokens {
		if t.Kind == KindName {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return a.Tokens
	}
	return out
}

// String returns the romanised tokens joined by spaces.
func (a Analysis) String() string {
	parts := make([]string, len(a.Tokens))
	for i, t := range a.Tokens {
		parts[i] = t.Text
	}
	return strings.Join(parts, " ")
}

// stored returns the romanised tokens joined by spaces, with a leading "^"
// on tokens from a script without vowels and "=" on tokens whose kind
// differs from what their text alone gives (a Chinese "da" is a name, a
// Portuguese "da" a particle), so that the index can rebuild the analysis
// exactly.
func (a Analysis) stored() string {
	var b strings.Builder
	for i, t := range a.Tokens {
		if i > 0 {
			b.WriteByte(' ')
		}
		if t.Abjad {
			b.WriteByte('^')
		}
		if t.Kind != newTokenKind(t.Text) {
			b.WriteByte('=')
		}
		b.WriteString(t.Text)
	}
	return b.String()
}

// newTokenKind is the kind newToken gives to text.
func newTokenKind(text string) Kind {
	switch {
	case titles[text]:
		return KindTitle
	case particles[text]:
		return KindParticle
	}
	return KindName
}

// deLeet reads digits inside a word of letters as the letters they stand
// for ("Ig0r Sech1n"); a word of digits only stays as it is.
func deLeet(s string) string {
	letters, digits := false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits = true
		case c >= 'a' && c <= 'z':
			letters = true
		}
	}
	if !letters || !digits {
		return s
	}
	return strings.NewReplacer("0", "o", "1", "i", "3", "e", "4", "a", "5", "s", "7", "t", "8", "b", "9", "g").Replace(s)
}
