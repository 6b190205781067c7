// Package chat turns a conversation into the prompt token ids a Mistral
// instruct model was trained on. It builds ids turn by turn instead of
// rendering text and parsing special tokens, so that text typed by a user
// ("</s>", "[INST]") can never become a control token.
package chat

import (
	"errors"
	"fmt"
	"strings"

	"github.com/quirehq/quire/llm/tokenizer"
)

// Message is one turn. Role is "system", "user" or "assistant".
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Template is a prompt format.
type Template int

const (
	// MistralV1 is Mistral-7B-Instruct v0.1/v0.2: "[INST]" and "[/INST]"
	// are plain text; per turn "[INST] {user} [/INST]{assistant}</s>"
	// after one BOS, as the v0.2 tokenizer_config.json chat template
	// renders it and llama.cpp tokenizes it.
	MistralV1 Template = iota + 1
	// MistralV3 is Mistral-7B-Instruct v0.3: [INST] and [/INST] are control
	// tokens and each text is tokenized on its own with SentencePiece's
	// space prefix, as mistral-common does:
	// <s>[INST]▁{user}[/INST]▁{assistant}</s>.
	MistralV3
)

func (t Template) String() string {
	switch t {
	case MistralV1:
		return "mistral-v1"
	case MistralV3:
		return "mistral-v3"
	}
	return fmt.Sprintf("chat.Template(%d)", int(t))
}

const (
	instOpen  = "[INST]"
	instClose = "[/INST]"
)

// Detect picks the template from the model's tokenizer.chat_template and,
// when that does not say, from the vocabulary: [INST] as a control token
// means V3. V3 is only chosen if the vocabulary has the control tokens it
// needs; anything else is V1.
func Detect(chatTemplate string, tok *tokenizer.Tokenizer) Template {
	if !hasControls(tok) {
		return MistralV1
	}
	if strings.Contains(chatTemplate, instClose) && strings.Contains(chatTemplate, " "+instClose) {
		// ' [/INST]' with a space is the V1 text form.
		return MistralV1
	}
	return MistralV3
}

// hasControls reports whether [INST] and [/INST] are control tokens.
func hasControls(tok *tokenizer.Tokenizer) bool {
	open, ok1 := tok.ID(instOpen)
	cls, ok2 := tok.ID(instClose)
	return ok1 && ok2 && tok.IsControl(open) && tok.IsControl(cls)
}

// turn is one user message and the assistant's answer, if any.
type turn struct {
	user      string
	assistant string
	answered  bool
}

// turns checks the conversation's shape: an optional system message first,
// then user and assistant alternating, ending with user. The system prompt
// is folded into the first user message as "system\n\nuser", as Mistral
// does (the models have no system role).
func turns(msgs []Message) ([]turn, error) {
	if len(msgs) == 0 {
		return nil, errors.New("chat: no messages")
	}
	system := ""
	if msgs[0].Role == "system" {
		system = msgs[0].Content
		msgs = msgs[1:]
	}
	var out []turn
	for i, m := range msgs {
		want := "user"
		if i%2 == 1 {
			want = "assistant"
		}
		if m.Role != want {
			if m.Role == "system" {
				return nil, fmt.Errorf("chat: message %d: a system message may only come first", i)
			}
			return nil, fmt.Errorf("chat: message %d has role %q, want %q (roles alternate user/assistant after an optional system message)", i, m.Role, want)
		}
		if want == "user" {
			content := m.Content
			if len(out) == 0 && system != "" {
				content = system + "\n\n" + content
			}
			out = append(out, turn{user: content})
		} else {
			out[len(out)-1].assistant = m.Content
			out[len(out)-1].answered = true
		}
	}
	if len(out) == 0 {
		return nil, errors.New("chat: no user message")
	}
	if out[len(out)-1].answered {
		return nil, errors.New("chat: the last message must be from the user")
	}
	return out, nil
}

// Encode returns BOS and the conversation's turns, ready for the model to
// generate the answer after the last [/INST].
func (t Template) Encode(tok *tokenizer.Tokenizer, msgs []Message) ([]int, error) {
	ts, err := turns(msgs)
	if err != nil {
		return nil, err
	}
	ids := []int{tok.BOS()}
	switch t {
	case MistralV1:
		for _, tr := range ts {
			text := instOpen + " " + tr.user + " " + instClose
			if tr.answered {
				text += tr.assistant
			}
			ids = append(ids, tok.Encode(text, false)...)
			if tr.answered {
				ids = append(ids, tok.EOS())
			}
		}
	case MistralV3:
		if !hasControls(tok) {
			return nil, errors.New("chat: the vocabulary has no [INST]/[/INST] control tokens; use the mistral-v1 template")
		}
		open, _ := tok.ID(instOpen)
		cls, _ := tok.ID(instClose)
		for _, tr := range ts {
			ids = append(ids, open)
			ids = append(ids, tok.Encode(tr.user, false)...)
			ids = append(ids, cls)
			if tr.answered {
				ids = append(ids, tok.Encode(tr.assistant, false)...)
				ids = append(ids, tok.EOS())
			}
		}
	default:
		return nil, fmt.Errorf("chat: unknown template %d", int(t))
	}
	return ids, nil
}
