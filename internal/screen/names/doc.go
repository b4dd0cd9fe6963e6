// Package names is Polex's name-matching engine: it decides how likely two
// full names, written in any script, with optional birth date, nationality
// and sex, name the same person, and it finds the persons of a large list
// whose names match a query, in about a millisecond.
//
// # Why hand-written
//
// Screening names is the core of the clearinghouse, and its errors are
// costly both ways: a missed match lets a wanted person through, a false
// one stops an innocent traveller. The engine has to know about
// transliteration (Муаммар Каддафи, Muammar Gaddafi, Moammar Kadhafi), name
// order, particles and titles, and it has to explain each score to the
// officer who acts on it. General fuzzy-matching libraries do none of this,
// and the hard parts are domain tables and rules that must be readable and
// testable here. The package depends only on golang.org/x/text for Unicode
// normalisation.
//
// # Pipeline
//
//  1. Analyze: NFC, then split into words on spaces and punctuation
//     (apostrophes inside a word are dropped: Mu'tassim → mutassim).
//  2. Transliteration of each word to lower-case ASCII (translit.go):
//     Cyrillic (Russian, Ukrainian — detected by і ї є ґ — Belarusian,
//     Serbian, Macedonian, Kazakh), Greek, Armenian, Georgian, Hebrew,
//     Arabic/Persian/Urdu (with the article split off: الحسن → al hasan),
//     Thai (leading vowels reordered), Ethiopic (syllabary rows), Hangul
//     (algorithmic decomposition to Revised Romanisation), Hiragana and
//     Katakana (Hepburn, small kana and sokuon), Devanagari and the Indic
//     scripts sharing its layout (Bengali, Gurmukhi, Gujarati, Oriya,
//     Tamil, Telugu, Kannada, Malayalam; inherent vowel with schwa
//     deletion), Han (a compact table of about 470 common surname and
//     given-name characters in han.go; a Chinese name written as one word is
//     split into surname and given name). Latin letters lose their
//     diacritics (NFKD) and ß, æ, ø, ł, đ, þ, ı, œ are spelt out.
//  3. Classification: titles and honorifics (Mr, Dr, Sheikh, Haji, Sayyid,
//     General, Jr, …) and particles (al, el, bin, ibn, bint, abu, van, von,
//     de, da, di, del, la, le, …) are kept but neither required nor
//     penalised when missing.
//  4. Each name part gets a canonical form from a table of equivalents
//     (equiv.go: Muhammad/Mohammed/Mohamed, Aleksandr/Alexander/Oleksandr,
//     Husayn/Hussein, Korean and Chinese romanisation variants, common
//     hypocorisms) and a phonetic key, Skeleton: a consonant skeleton built
//     for names that reached Latin through different schemes (vowels
//     dropped, k/q/g/c merged, j/dj/dzh/zh/ch merged, s/z/sh/ts merged, d/t,
//     b/p, f/v/w, kh → h, …).
//
// # Scoring (Compare)
//
// The name parts of the two names are aligned without regard to order,
// greedily by similarity: identical (1), equivalent (0.97), phonetic
// (skeletons equal: 0.92; 0.85 between two spellings of the same script that
// share little else; two-letter skeletons count only across scripts, when
// one side comes from Arabic or Hebrew letters without vowels), typo
// (Jaro-Winkler or Damerau-Levenshtein, at least 0.8, stricter for short
// names and for three edits or more), initial (J. = John). Parts
// split or joined differently (Abd al-Rahman / Abdulrahman, SergeiLavrov)
// are matched by joining neighbours. The score is the weighted share of
// matched parts: very common parts (Mohammed, Ali, Kim, Wang) weigh half;
// a part present on one side only (a dropped middle name) costs 0.3 of its
// weight if everything else matched strongly, and in full otherwise; parts
// present on both sides that do not match (a substituted given name) cost in
// full. A single matching part (or initials alone) cannot score above 0.75
// when either name has more. With a patronymic on both sides ("Ahmad bin
// Hasan", "Hasan bin Ahmad") crossed son and father names multiply the
// score by 0.75. Evidence then moves the score: a same full birth date moves it a
// quarter of the way to 1, a compatible partial date or swapped day and
// month a little; a clearly different year multiplies it by 0.85, a
// different nationality by 0.95, a different sex by 0.85. Every step is
// reported as a Reason.
//
// DefaultThreshold (0.85) was chosen on one half of the labelled person
// pairs of nomenklatura-cases.csv (even rows: F1 0.872) and checked on the
// other half (odd rows: F1 0.882); the rules were written as general
// romanisation and naming knowledge, never as lists of the test's names.
// TestPairsAgainstLogicV2 reports both halves and each case group against
// the logic-v2 reference.
//
// # Index
//
// Index keeps every name part of every entry in posting lists under its
// canonical form and its skeleton, plus the birth year, and a vocabulary of
// the parts with their one-letter deletions (the SymSpell idea), so a query
// part finds the parts within about two edits without scanning. Search
// treats the query's parts by their rarity: parts whose list is short find
// candidates (with their variants); long lists (Mohammed, Wang, Sharma: more
// than 1 % of the entries and at least 2,000) only credit candidates found
// otherwise, or, when every part is common, the shortest of them finds them.
// Candidates are credited per query part with inverse document frequency,
// a variant never more than the exact form; the best few dozen are rescored
// with Compare's logic and the best k returned with explanations. Entries
// hold no Go pointers (their text sits in one byte arena), which keeps a
// million persons cheap for the garbage collector. A search's working
// state stays in the core's cache (accum.go): candidates are a bitset over
// the entries and their credits a dense array ranked through it, and the
// rescoring computes each token similarity and each distinct name's score
// once; these buffers are reused from search to search.
//
// Synthetic and SyntheticQueries make deterministic test populations for
// benchmarks.
package names
