package retrieval

// stem is a light English suffix stripper: plurals (Harman's S-stemmer),
// then -ed/-ing, then a final -e. It is far smaller than Porter's algorithm
// and conflates less, which suits retrieval over technical text: it only has
// to map the common inflections of a word to one key ("indexes", "indexed",
// "indexing" -> "index"; "queries", "queried" -> "query"), the same way at
// index and at query time. Words of three bytes or fewer are left alone.
func stem(w string) string {
	if len(w) <= 3 {
		return w
	}
	orig := w
	// Plurals.
	switch {
	case hasSuffix(w, "ies") && !hasSuffix(w, "eies") && !hasSuffix(w, "aies"):
		w = w[:len(w)-3] + "y"
	case hasSuffix(w, "es") && !hasSuffix(w, "aes") && !hasSuffix(w, "ees") && !hasSuffix(w, "oes"):
		w = w[:len(w)-1]
	case hasSuffix(w, "s") && !hasSuffix(w, "us") && !hasSuffix(w, "ss") && !hasSuffix(w, "is"):
		w = w[:len(w)-1]
	}
	// Past tense and gerund, kept only when a real stem (a vowel, three bytes) remains.
	switch {
	case hasSuffix(w, "ied") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case hasSuffix(w, "ed"):
		w = stripVerbal(w, 2)
	case hasSuffix(w, "ing"):
		w = stripVerbal(w, 3)
	}
	// "embedded" and "embedding" became "embed"; strip once more so that they
	// meet "embed" and "embeds" on "emb".
	if len(w) < len(orig)-1 && hasSuffix(w, "ed") {
		w = stripVerbal(w, 2)
	}
	if len(w) >= 4 && w[len(w)-1] == 'e' {
		w = w[:len(w)-1]
	}
	return w
}

// stripVerbal removes an n-byte -ed/-ing suffix if the stem left has at least
// three bytes and a vowel, and undoes a doubled final consonant
// ("running" -> "run"), except l, s and z ("installed" -> "install").
func stripVerbal(w string, n int) string {
	s := w[:len(w)-n]
	if len(s) < 3 || !hasVowel(s) {
		return w
	}
	if k := len(s); k >= 4 && s[k-1] == s[k-2] && !isVowel(s[k-1]) && s[k-1] != 'l' && s[k-1] != 's' && s[k-1] != 'z' {
		s = s[:k-1]
	}
	return s
}

func hasSuffix(s, suf string) bool {
	return len(s) >= len(suf) && s[len(s)-len(suf):] == suf
}

func isVowel(c byte) bool {
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y'
}

func hasVowel(s string) bool {
	for i := 0; i < len(s); i++ {
		if isVowel(s[i]) {
			return true
		}
	}
	return false
}
