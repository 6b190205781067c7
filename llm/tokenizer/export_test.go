package tokenizer

// WordSafe exposes whether the word-by-word fast path is on, for the
// external tests that check it against llama.cpp's goldens.
func WordSafe(t *Tokenizer) bool { return t.wordSafe }
