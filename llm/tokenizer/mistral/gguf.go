package mistral

import (
	"github.com/quirehq/quire/llm/gguf"
	"github.com/quirehq/quire/llm/tokenizer"
)

// ChatTemplateV1 is the chat template of Mistral-7B-Instruct v0.2's
// tokenizer_config.json (Hugging Face), as GGUF conversions store it in
// tokenizer.chat_template.
const ChatTemplateV1 = "{{ bos_token }}{% for message in messages %}" +
	"{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
	"{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
	"{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}" +
	"{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}" +
	"{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}"

// SetVocabOnly fills w with the metadata of a vocabulary-only Mistral 7B
// GGUF: the llama hyper-parameters of Mistral 7B and the vocabulary v, no
// tensors. llama.cpp loads such a file with vocab_only, which makes it a
// tokenizer reference without 4 GB of weights.
func SetVocabOnly(w *gguf.Writer, name string, v tokenizer.Vocab, chatTemplate string) {
	w.Set("general.architecture", "llama")
	w.Set("general.name", name)
	w.Set("llama.context_length", uint32(32768))
	w.Set("llama.embedding_length", uint32(4096))
	w.Set("llama.block_count", uint32(32))
	w.Set("llama.feed_forward_length", uint32(14336))
	w.Set("llama.rope.dimension_count", uint32(128))
	w.Set("llama.attention.head_count", uint32(32))
	w.Set("llama.attention.head_count_kv", uint32(8))
	w.Set("llama.attention.layer_norm_rms_epsilon", float32(1e-5))
	w.Set("llama.rope.freq_base", float32(1e6))
	w.Set("llama.vocab_size", uint32(len(v.Tokens)))
	v.SetGGUF(w)
	if chatTemplate != "" {
		w.Set(tokenizer.KeyTemplate, chatTemplate)
	}
}

// WriteVocabOnly writes a vocabulary-only GGUF (see SetVocabOnly) to path.
func WriteVocabOnly(path, name string, v tokenizer.Vocab, chatTemplate string) error {
	w := gguf.NewWriter()
	SetVocabOnly(w, name, v, chatTemplate)
	return w.WriteFile(path)
}
