package llama

import (
	"fmt"

	"github.com/quirehq/quire/llm/ggml"
	"github.com/quirehq/quire/llm/quant"
)

// Cache is the key/value cache of one sequence: for every layer, the keys
// (after RoPE) and values of every position seen so far. F16 is llama.cpp's
// default and halves the memory; F32 keeps full precision.
type Cache struct {
	Type     ggml.Type
	Len      int // capacity in positions
	kvDim    int
	k16, v16 [][]uint16  // [layer][pos*kvDim + i], when Type is F16
	k32, v32 [][]float32 // when Type is F32
}

// NewCache allocates a cache for ctx positions. The pages are only touched
// as positions are filled, so resident memory grows with use.
func NewCache(c Config, ctx int, typ ggml.Type) (*Cache, error) {
	if ctx <= 0 {
		return nil, fmt.Errorf("context length %d must be positive", ctx)
	}
	kc := &Cache{Type: typ, Len: ctx, kvDim: c.KVDim()}
	n := ctx * kc.kvDim
	switch typ {
	case ggml.F16:
		for range c.Layers {
			kc.k16 = append(kc.k16, make([]uint16, n))
			kc.v16 = append(kc.v16, make([]uint16, n))
		}
	case ggml.F32:
		for range c.Layers {
			kc.k32 = append(kc.k32, make([]float32, n))
			kc.v32 = append(kc.v32, make([]float32, n))
		}
	default:
		return nil, fmt.Errorf("KV cache type %v is not supported (use F16 or F32)", typ)
	}
	return kc, nil
}

// Bytes is the cache's allocated size.
func (kc *Cache) Bytes() int64 {
	per := int64(4)
	if kc.Type == ggml.F16 {
		per = 2
	}
	return per * 2 * int64(len(kc.k16)+len(kc.k32)) * int64(kc.Len) * int64(kc.kvDim)
}

// store writes one position's keys and values for layer l, rounding to the
// cache type as ggml's set_rows does.
func (kc *Cache) store(l, pos int, k, v []float32) {
	off := pos * kc.kvDim
	if kc.Type == ggml.F16 {
		quant.FP32ToFP16Row(kc.k16[l][off:off+kc.kvDim], k[:kc.kvDim])
		quant.FP32ToFP16Row(kc.v16[l][off:off+kc.kvDim], v[:kc.kvDim])
		return
	}
	copy(kc.k32[l][off:], k)
	copy(kc.v32[l][off:], v)
}
