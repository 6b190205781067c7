package synth

// chatTemplateV1 is Mistral-7B-Instruct v0.2's Jinja chat template
// (tokenizer_config.json): "[INST] user [/INST]assistant</s>", BOS once.
const chatTemplateV1 = "{{ bos_token }}{% for message in messages %}" +
	"{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
	"{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
	"{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}" +
	"{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}" +
	"{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}"

// chatTemplateV3 is the v0.3 form: [INST] and [/INST] are control tokens and
// no spaces surround them.
const chatTemplateV3 = "{{ bos_token }}{% for message in messages %}" +
	"{% if message['role'] == 'user' %}{{ '[INST]' + message['content'] + '[/INST]' }}" +
	"{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}" +
	"{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}"
