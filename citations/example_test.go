package citations_test

import (
	"fmt"
	"strings"

	"github.com/quirehq/quire/citations"
)

// The flow of a grounded answer: gate, prompt, stream, check.
func Example() {
	retrieved := []citations.Source{
		{DocName: "bash.pdf", Path: "bash/bash.pdf", Page: 30, ChunkID: "c7",
			Text: "HISTSIZE: The number of commands to remember in the command history. The default value is 500."},
	}
	question := "How many commands does bash remember by default?"
	if !citations.Relevant(question, retrieved) {
		fmt.Println("abstain")
		return
	}
	p, err := citations.BuildPrompt(citations.PromptInput{
		Question: question, Sources: retrieved, ContextSize: 4096,
		Count: func(s string) int { return len(strings.Fields(s)) }, // the model's tokenizer goes here
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The engine renders p.System, p.History and p.User with its chat
	// template and streams tokens; here they are made up.
	st := citations.NewStream(p.Sources)
	for _, tok := range []string{"Bash remembers", " 500 commands", " by default", " [", "1", "]", " [4]", "."} {
		text, found := st.Push(tok)
		for _, s := range found {
			fmt.Printf("citation %d: %s\n", s.N, s.Label())
		}
		fmt.Printf("token %q\n", text)
	}
	rest, res := st.Finish()
	fmt.Printf("rest %q\n", rest)
	fmt.Printf("answer %q, dropped %v, unsupported %v\n", res.Text, res.Dropped, citations.CheckSupport(res.Text, p.Sources))
	// Output:
	// token "Bash remembers"
	// token " 500 commands"
	// token " by default"
	// token ""
	// token ""
	// citation 1: bash.pdf, p. 30
	// token " [1]"
	// token ""
	// token "."
	// rest ""
	// answer "Bash remembers 500 commands by default [1].", dropped [4], unsupported []
}
