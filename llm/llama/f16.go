package llama

import "github.com/quirehq/quire/llm/quant"

// f16Table maps every half-precision bit pattern to its float32 value, so the
// F16 KV cache is read with a lookup.
var f16Table = func() []float32 {
	t := make([]float32, 1<<16)
	for i := range t {
		t[i] = quant.FP16ToFP32(uint16(i))
	}
	return t
}()

// toF16 rounds to nearest even, as ggml's FP32->FP16 conversion.
func toF16(f float32) uint16 { return quant.FP32ToFP16(f) }

// roundF16 rounds every value to the nearest half-precision value (eight
// at a time with F16C where the CPU has it).
func roundF16(x []float32) { quant.RoundF16(x) }
