package names

import (
	"strings"
	"unicode"
)

// This file turns the letters of non-Latin scripts into lower-case ASCII.
// The tables aim at the romanisations that appear in watch lists and
// passports (BGN/PCGN-like for Cyrillic and Arabic, Revised Romanisation for
// Hangul, Hepburn for Kana, Hunterian for Indic scripts), not at reversible
// scholarly transliteration: the goal is that a name typed from a passport
// and a name copied from a list in the original script land on the same
// tokens or at least on the same consonant skeleton.

// cyrillic maps lower-case Cyrillic letters (Russian, Ukrainian, Belarusian,
// Serbian, Macedonian, Kazakh) to Latin.
var cyrillic = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh",
	'з': "z", 'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o",
	'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts",
	'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu",
	'я': "ya", 'є': "ye", 'і': "i", 'ї': "yi", 'ґ': "g", 'ў': "u", 'ђ': "dj", 'ј': "j",
	'љ': "lj", 'њ': "nj", 'ћ': "c", 'џ': "dz", 'ѓ': "gj", 'ќ': "kj", 'ѕ': "dz",
	'ә': "a", 'ғ': "g", 'қ': "k", 'ң': "n", 'ө': "o", 'ұ': "u", 'ү': "u", 'һ': "h",
}

// greek maps lower-case Greek letters (accents already removed) to Latin.
var greek = map[rune]string{
	'α': "a", 'β': "v", 'γ': "g", 'δ': "d", 'ε': "e", 'ζ': "z", 'η': "i", 'θ': "th",
	'ι': "i", 'κ': "k", 'λ': "l", 'μ': "m", 'ν': "n", 'ξ': "x", 'ο': "o", 'π': "p",
	'ρ': "r", 'σ': "s", 'ς': "s", 'τ': "t", 'υ': "y", 'φ': "f", 'χ': "ch", 'ψ': "ps",
	'ω': "o",
}

// armenian maps lower-case Armenian letters to Latin.
var armenian = map[rune]string{
	'ա': "a", 'բ': "b", 'գ': "g", 'դ': "d", 'ե': "e", 'զ': "z", 'է': "e", 'ը': "y",
	'թ': "t", 'ժ': "zh", 'ի': "i", 'լ': "l", 'խ': "kh", 'ծ': "ts", 'կ': "k", 'հ': "h",
	'ձ': "dz", 'ղ': "gh", 'ճ': "ch", 'մ': "m", 'յ': "y", 'ն': "n", 'շ': "sh", 'ո': "o",
	'չ': "ch", 'պ': "p", 'ջ': "j", 'ռ': "r", 'ս': "s", 'վ': "v", 'տ': "t", 'ր': "r",
	'ց': "ts", 'ւ': "v", 'փ': "p", 'ք': "k", 'օ': "o", 'ֆ': "f", 'և': "ev",
}

// georgian maps Mkhedruli letters to Latin (national system).
var georgian = map[rune]string{
	'ა': "a", 'ბ': "b", 'გ': "g", 'დ': "d", 'ე': "e", 'ვ': "v", 'ზ': "z", 'თ': "t",
	'ი': "i", 'კ': "k", 'ლ': "l", 'მ': "m", 'ნ': "n", 'ო': "o", 'პ': "p", 'ჟ': "zh",
	'რ': "r", 'ს': "s", 'ტ': "t", 'უ': "u", 'ფ': "p", 'ქ': "k", 'ღ': "gh", 'ყ': "q",
	'შ': "sh", 'ჩ': "ch", 'ც': "ts", 'ძ': "dz", 'წ': "ts", 'ჭ': "ch", 'ხ': "kh", 'ჯ': "j",
	'ჰ': "h",
}

// hebrew maps Hebrew consonants to Latin; vav and yod are handled in
// context (consonant at the start of a word, vowel inside it).
var hebrew = map[rune]string{
	'א': "a", 'ב': "b", 'ג': "g", 'ד': "d", 'ה': "h", 'ז': "z", 'ח': "kh", 'ט': "t",
	'כ': "k", 'ך': "kh", 'ל': "l", 'מ': "m", 'ם': "m", 'נ': "n", 'ן': "n", 'ס': "s",
	'ע': "a", 'פ': "p", 'ף': "f", 'צ': "ts", 'ץ': "ts", 'ק': "k", 'ר': "r", 'ש': "sh",
	'ת': "t",
}

// arabic maps Arabic, Persian and Urdu letters to Latin; waw, yeh and ain
// are handled in context.
var arabic = map[rune]string{
	'ا': "a", 'أ': "a", 'إ': "i", 'آ': "a", 'ٱ': "a", 'ب': "b", 'ت': "t", 'ث': "th",
	'ج': "j", 'ح': "h", 'خ': "kh", 'د': "d", 'ذ': "dh", 'ر': "r", 'ز': "z", 'س': "s",
	'ش': "sh", 'ص': "s", 'ض': "d", 'ط': "t", 'ظ': "z", 'غ': "gh", 'ف': "f", 'ق': "q",
	'ك': "k", 'ل': "l", 'م': "m", 'ن': "n", 'ه': "h", 'ة': "a", 'ى': "a", 'ء': "",
	'ئ': "", 'ؤ': "", 'پ': "p", 'چ': "ch", 'ژ': "zh", 'گ': "g", 'ک': "k", 'ٹ': "t",
	'ڈ': "d", 'ڑ': "r", 'ں': "n", 'ہ': "h", 'ھ': "h", 'ے': "e", 'ۃ': "a", 'ۀ': "a",
	'\u064E': "a", '\u064F': "u", '\u0650': "i", // fatha, damma, kasra
}

// thai maps Thai consonants and vowels to Latin (RTGS-like, without the
// final-consonant rules).
var thai = map[rune]string{
	'ก': "k", 'ข': "kh", 'ฃ': "kh", 'ค': "kh", 'ฅ': "kh", 'ฆ': "kh", 'ง': "ng", 'จ': "ch",
	'ฉ': "ch", 'ช': "ch", 'ซ': "s", 'ฌ': "ch", 'ญ': "y", 'ฎ': "d", 'ฏ': "t", 'ฐ': "th",
	'ฑ': "th", 'ฒ': "th", 'ณ': "n", 'ด': "d", 'ต': "t", 'ถ': "th", 'ท': "th", 'ธ': "th",
	'น': "n", 'บ': "b", 'ป': "p", 'ผ': "ph", 'ฝ': "f", 'พ': "ph", 'ฟ': "f", 'ภ': "ph",
	'ม': "m", 'ย': "y", 'ร': "r", 'ฤ': "rue", 'ล': "l", 'ฦ': "lue", 'ว': "w", 'ศ': "s",
	'ษ': "s", 'ส': "s", 'ห': "h", 'ฬ': "l", 'อ': "o", 'ฮ': "h",
	'ะ': "a", 'ั': "a", 'า': "a", 'ำ': "am", 'ิ': "i", 'ี': "i", 'ึ': "ue", 'ื': "ue",
	'ุ': "u", 'ู': "u", 'เ': "e", 'แ': "ae", 'โ': "o", 'ใ': "ai", 'ไ': "ai", 'ๅ': "a",
}

// ethiopicCons are the consonants of the Ethiopic syllabary rows starting at
// U+1200, eight syllables a row; ethiopicVowel the vowels of the columns.
var (
	ethiopicCons = []string{"h", "l", "h", "m", "s", "r", "s", "sh", "q", "q", "q", "q",
		"b", "v", "t", "ch", "h", "h", "n", "ny", "", "k", "k", "k", "kh", "w", "", "z",
		"zh", "y", "d", "d", "j", "g", "g", "g", "t", "ch", "p", "ts", "ts", "f", "p"}
	ethiopicVowel = []string{"a", "u", "i", "a", "e", "", "o", "wa"}
)

// kana maps Hiragana (Katakana is shifted to Hiragana first) to Hepburn.
var kana = map[rune]string{
	'あ': "a", 'い': "i", 'う': "u", 'え': "e", 'お': "o", 'か': "ka", 'き': "ki", 'く': "ku",
	'け': "ke", 'こ': "ko", 'が': "ga", 'ぎ': "gi", 'ぐ': "gu", 'げ': "ge", 'ご': "go",
	'さ': "sa", 'し': "shi", 'す': "su", 'せ': "se", 'そ': "so", 'ざ': "za", 'じ': "ji",
	'ず': "zu", 'ぜ': "ze", 'ぞ': "zo", 'た': "ta", 'ち': "chi", 'つ': "tsu", 'て': "te",
	'と': "to", 'だ': "da", 'ぢ': "ji", 'づ': "zu", 'で': "de", 'ど': "do", 'な': "na",
	'に': "ni", 'ぬ': "nu", 'ね': "ne", 'の': "no", 'は': "ha", 'ひ': "hi", 'ふ': "fu",
	'へ': "he", 'ほ': "ho", 'ば': "ba", 'び': "bi", 'ぶ': "bu", 'べ': "be", 'ぼ': "bo",
	'ぱ': "pa", 'ぴ': "pi", 'ぷ': "pu", 'ぺ': "pe", 'ぽ': "po", 'ま': "ma", 'み': "mi",
	'む': "mu", 'め': "me", 'も': "mo", 'や': "ya", 'ゆ': "yu", 'よ': "yo", 'ら': "ra",
	'り': "ri", 'る': "ru", 'れ': "re", 'ろ': "ro", 'わ': "wa", 'ゐ': "i", 'ゑ': "e",
	'を': "o", 'ん': "n", 'ゔ': "vu", 'ぁ': "a", 'ぃ': "i", 'ぅ': "u", 'ぇ': "e", 'ぉ': "o",
	'ゎ': "wa",
}

// Hangul Revised Romanisation jamo.
var (
	hangulInitial = []string{"g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "",
		"j", "jj", "ch", "k", "t", "p", "h"}
	hangulVowel = []string{"a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae",
		"oe", "yo", "u", "wo", "we", "wi", "yu", "eu", "ui", "i"}
	hangulFinal = []string{"", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l",
		"l", "p", "l", "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t"}
)

// indic maps Devanagari code points (and, shifted by block, those of Bengali,
// Gurmukhi, Gujarati, Oriya, Tamil, Telugu, Kannada and Malayalam, whose
// blocks share the ISCII layout) to Latin. Consonants carry an inherent "a"
// which indicWord adds or drops.
var indicCons = map[rune]string{
	0x915: "k", 0x916: "kh", 0x917: "g", 0x918: "gh", 0x919: "n", 0x91A: "ch", 0x91B: "chh",
	0x91C: "j", 0x91D: "jh", 0x91E: "n", 0x91F: "t", 0x920: "th", 0x921: "d", 0x922: "dh",
	0x923: "n", 0x924: "t", 0x925: "th", 0x926: "d", 0x927: "dh", 0x928: "n", 0x929: "n",
	0x92A: "p", 0x92B: "ph", 0x92C: "b", 0x92D: "bh", 0x92E: "m", 0x92F: "y", 0x930: "r",
	0x931: "r", 0x932: "l", 0x933: "l", 0x934: "l", 0x935: "v", 0x936: "sh", 0x937: "sh",
	0x938: "s", 0x939: "h", 0x958: "q", 0x959: "kh", 0x95A: "gh", 0x95B: "z", 0x95C: "r",
	0x95D: "rh", 0x95E: "f", 0x95F: "y",
}

var indicVowel = map[rune]string{
	0x904: "a", 0x905: "a", 0x906: "a", 0x907: "i", 0x908: "i", 0x909: "u", 0x90A: "u",
	0x90B: "ri", 0x90C: "li", 0x90D: "e", 0x90E: "e", 0x90F: "e", 0x910: "ai", 0x911: "o",
	0x912: "o", 0x913: "o", 0x914: "au",
}

var indicMatra = map[rune]string{
	0x93E: "a", 0x93F: "i", 0x940: "i", 0x941: "u", 0x942: "u", 0x943: "ri", 0x944: "ri",
	0x945: "e", 0x946: "e", 0x947: "e", 0x948: "ai", 0x949: "o", 0x94A: "o", 0x94B: "o",
	0x94C: "au",
}

// indicBase returns r shifted into the Devanagari block when r belongs to
// one of the parallel Indic blocks, and whether it is Indic at all.
func indicBase(r rune) (rune, bool) {
	if r >= 0x900 && r < 0xD80 {
		off := (r - 0x900) % 0x80
		return 0x900 + off, true
	}
	return r, false
}

// translitWord romanises one word that contains no spaces and returns
// lower-case Latin text (letters of scripts without a table are kept,
// lower-cased and without marks).
func translitWord(word []rune, ukrainian bool) string {
	var b strings.Builder
	for i := 0; i < len(word); i++ {
		r := word[i]
		switch {
		case r < 0x80:
			b.WriteRune(unicode.ToLower(r))
		case r >= 0x400 && r < 0x530:
			lr := unicode.ToLower(r)
			switch {
			case ukrainian && lr == 'и':
				b.WriteString("y")
			case ukrainian && lr == 'г':
				b.WriteString("h")
			default:
				if s, ok := cyrillic[lr]; ok {
					b.WriteString(s)
				} else {
					b.WriteString(foldLatin(lr))
				}
			}
		case r >= 0x370 && r < 0x400:
			if i+1 < len(word) && foldLatin(unicode.ToLower(word[i+1])) == "υ" {
				switch foldLatin(unicode.ToLower(r)) {
				case "ο":
					b.WriteString("ou") // Παπανδρέου → papandreou
					i++
					continue
				case "α", "ε":
					b.WriteString(greek[[]rune(foldLatin(unicode.ToLower(r)))[0]] + "v") // Ευάγγελος → evangelos
					i++
					continue
				}
			}
			lr := []rune(foldLatin(unicode.ToLower(r)))
			for _, c := range lr {
				if s, ok := greek[c]; ok {
					b.WriteString(s)
				}
			}
		case r >= 0x530 && r < 0x590:
			lr := unicode.ToLower(r)
			if lr == 'ո' && i+1 < len(word) && word[i+1] == 'ւ' {
				b.WriteString("u")
				i++
				continue
			}
			b.WriteString(armenian[lr])
		case r >= 0x10A0 && r < 0x1100, r >= 0x1C90 && r < 0x1CC0:
			if r >= 0x1C90 { // Mtavruli capitals
				r = r - 0x1C90 + 0x10D0
			}
			b.WriteString(georgian[r])
		case r >= 0x590 && r < 0x600:
			switch r {
			case 'ו':
				if i == 0 || (i+1 < len(word) && word[i+1] == 'ו') {
					b.WriteString("v")
					if i+1 < len(word) && word[i+1] == 'ו' {
						i++
					}
				} else {
					b.WriteString("o")
				}
			case 'י':
				if i == 0 {
					b.WriteString("y")
				} else {
					b.WriteString("i")
				}
			case 'ה':
				switch {
				case i > 0 && i == len(word)-1:
					b.WriteString("a") // final he is a vowel: Moshe, Sarah
				case i > 0 && strings.ContainsRune("kstpgzdc", lastByte(&b)):
					b.WriteString("eh") // not a digraph: כהן is Kohen, not Khn
				default:
					b.WriteString("h")
				}
			default:
				b.WriteString(hebrew[r])
			}
		case r >= 0x600 && r < 0x700, r >= 0xFB50 && r < 0xFF00:
			b.WriteString(arabicLetter(word, i))
		case r >= 0xE00 && r < 0xE80:
			// Leading vowels are written before the consonant they follow
			// in speech.
			if r >= 0xE40 && r <= 0xE44 && i+1 < len(word) {
				if c, ok := thai[word[i+1]]; ok {
					b.WriteString(c)
					b.WriteString(thai[r])
					i++
					continue
				}
			}
			b.WriteString(thai[r])
		case r >= 0x1200 && r < 0x1380:
			row, col := int(r-0x1200)/8, int(r-0x1200)%8
			if row < len(ethiopicCons) {
				b.WriteString(ethiopicCons[row])
				b.WriteString(ethiopicVowel[col])
			}
		case r >= 0xAC00 && r <= 0xD7A3:
			s := int(r - 0xAC00)
			b.WriteString(hangulInitial[s/(21*28)])
			b.WriteString(hangulVowel[(s%(21*28))/28])
			b.WriteString(hangulFinal[s%28])
		case r >= 0x3041 && r <= 0x30FF:
			i = kanaRun(&b, word, i)
		case r >= 0x900 && r < 0xD80:
			i = indicRun(&b, word, i)
		case isHan(r):
			if p, ok := pinyin[r]; ok {
				b.WriteString(p)
			} else {
				b.WriteRune(r)
			}
		default:
			b.WriteString(foldLatin(unicode.ToLower(r)))
		}
	}
	return b.String()
}

// arabicLetter romanises the Arabic letter at word[i], with the context
// rules for waw, yeh, alef maksura and ain.
func arabicLetter(word []rune, i int) string {
	r := word[i]
	prevVowel := i > 0 && (word[i-1] == 'ا' || word[i-1] == 'آ')
	switch r {
	case 'و':
		if i == 0 || prevVowel {
			return "w"
		}
		if i == len(word)-2 && (word[i+1] == 'ي' || word[i+1] == 'ی') {
			return "w" // the nisba ending -awi/-avi: موسوی → Musawi, Mousavi
		}
		return "u"
	case 'ي', 'ی', 'ې', 'ێ':
		if i == 0 || prevVowel {
			return "y"
		}
		return "i"
	case 'ع':
		if i == 0 {
			return "a"
		}
		return ""
	}
	if s, ok := arabic[r]; ok {
		return s
	}
	return ""
}

// kanaRun romanises the Kana at word[i] (with following small kana) and
// returns the index of the last rune used.
func kanaRun(b *strings.Builder, word []rune, i int) int {
	hira := func(r rune) rune {
		if r >= 0x30A1 && r <= 0x30F6 {
			return r - 0x60
		}
		return r
	}
	r := hira(word[i])
	switch r {
	case 'っ': // small tsu doubles the next consonant
		if i+1 < len(word) {
			if s := kana[hira(word[i+1])]; s != "" && s[0] != 'a' && s[0] != 'i' && s[0] != 'u' && s[0] != 'e' && s[0] != 'o' {
				b.WriteByte(s[0])
			}
		}
		return i
	case 'ー', '・':
		return i
	}
	s := kana[r]
	if i+1 < len(word) {
		small := hira(word[i+1])
		var v string
		switch small {
		case 'ゃ':
			v = "a"
		case 'ゅ':
			v = "u"
		case 'ょ':
			v = "o"
		}
		if v != "" && strings.HasSuffix(s, "i") {
			base := s[:len(s)-1]
			if base == "sh" || base == "ch" || base == "j" {
				b.WriteString(base + v)
			} else {
				b.WriteString(base + "y" + v)
			}
			return i + 1
		}
	}
	b.WriteString(s)
	return i
}

// indicRun romanises an Indic consonant or vowel with its matra, virama and
// nasal signs, dropping the inherent vowel at the end of a word (the
// Hindi schwa deletion), and returns the index of the last rune used.
func indicRun(b *strings.Builder, word []rune, i int) int {
	base, _ := indicBase(word[i])
	if c, ok := indicCons[base]; ok {
		b.WriteString(c)
		j := i + 1
		if j < len(word) {
			if nb, ok := indicBase(word[j]); ok && nb == 0x93C { // nukta
				j++
			}
		}
		if j < len(word) {
			nb, ok := indicBase(word[j])
			if ok {
				if m, isM := indicMatra[nb]; isM {
					b.WriteString(m)
					return j
				}
				if nb == 0x94D { // virama
					return j
				}
			}
		}
		if j < len(word) { // inherent vowel, dropped at the end of a word
			b.WriteString("a")
		}
		return j - 1
	}
	if v, ok := indicVowel[base]; ok {
		b.WriteString(v)
		return i
	}
	switch base {
	case 0x901, 0x902:
		b.WriteString("n")
	case 0x903:
		b.WriteString("h")
	}
	return i
}

// isHan reports whether r is a CJK unified ideograph.
func isHan(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF) || (r >= 0xF900 && r <= 0xFAFF)
}

// lastByte returns the last byte written to b, or 0.
func lastByte(b *strings.Builder) rune {
	s := b.String()
	if s == "" {
		return 0
	}
	return rune(s[len(s)-1])
}
