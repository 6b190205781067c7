package llama

import (
	"fmt"
	"math"
	"runtime"
	"unsafe"

	"github.com/quirehq/quire/llm/ggml"
	"github.com/quirehq/quire/llm/quant"
)

// MaxBatch is the most tokens one Forward call processes together; longer
// inputs are split by the caller. The tile kernels rearrange each group of
// weight rows once per call and reuse it for every token, so a prompt's
// products get cheaper per token up to about this size (AMX's most of
// all: its rearrangement costs as much as 4-8 tokens' products).
const MaxBatch = 128

// State is the scratch memory of forward passes, reused across calls, and
// the worker pool they run on. Each buffer holds MaxBatch rows, one per
// token of the batch. A State is used by one goroutine at a time.
type State struct {
	x, xb, xb2 rows // residual stream and normalized copies (Dim)
	q, k, v    rows // query (Dim), key and value (KVDim)
	hb, hb2    rows // FFN hidden (FFN)
	logits     rows // Vocab
	act        []byte
	heads      []headScratch // one per part of attention's heads

	pool *Pool
	outs [][]float32 // the output rows of the current product
	mt   matTask     // reused so that handing work to the pool allocates nothing
	qt   quantTask
	tt   tokenTask
	// actType and actRows say what act holds (matMul with again reuses it:
	// Q, K and V, and gate and up, multiply the same activations).
	actType ggml.Type
	actRows int
	at      attnTask // likewise
}

// headScratch is what attention needs for one head at a time.
type headScratch struct {
	att   []float32 // scores over the cache (cache length)
	qh    []float32 // the query head rounded to the cache type
	q16   []byte    // the query head as F16
	lanes []float32 // 64 lane accumulators per dimension
	// Four heads of one KV head at once (F16 cache, KV groups of a
	// multiple of 4): the same per head, four back to back.
	att4   []float32
	qh4    []float32
	q164   []byte
	lanes4 []float32
	q32    []float32 // the four queries as float32, for the kernel
}

// rows is a batch of vectors of one width, stored contiguously.
type rows struct {
	data  []float32
	width int
}

func newRows(n, width int) rows   { return rows{make([]float32, n*width), width} }
func (r rows) at(i int) []float32 { return r.data[i*r.width : (i+1)*r.width] }

// NewState allocates scratch buffers for m and a cache of ctx positions,
// with a pool of GOMAXPROCS threads.
func (m *Model) NewState(ctx int) *State { return m.NewStateThreads(ctx, 0) }

// NewStateThreads is NewState with an explicit thread count (< 1 means
// GOMAXPROCS). The pool's goroutines stop when the State is closed or
// garbage collected.
func (m *Model) NewStateThreads(ctx, threads int) *State {
	c := m.Config
	maxCols := max(c.Dim, c.FFN)
	act := 0
	for _, t := range []ggml.Type{ggml.F32, ggml.F16, ggml.BF16, ggml.Q8_0, ggml.Q8_K} {
		if maxCols%t.BlockSize() == 0 {
			act = max(act, t.RowSize(maxCols))
		}
	}
	const n = MaxBatch
	pool := NewPool(threads)
	st := &State{
		x: newRows(n, c.Dim), xb: newRows(n, c.Dim), xb2: newRows(n, c.Dim),
		q: newRows(n, c.Dim), k: newRows(n, c.KVDim()), v: newRows(n, c.KVDim()),
		hb: newRows(n, c.FFN), hb2: newRows(n, c.FFN), logits: newRows(1, c.Vocab),
		act:  make([]byte, n*act),
		outs: make([][]float32, n),
		pool: pool,
	}
	// More parts than threads, so that the atomic counter can even out a
	// busy core; each part has its own scratch.
	for range min(attnPartsPerThread*pool.Threads(), c.Heads) {
		hs := headScratch{att: make([]float32, ctx), qh: make([]float32, c.HeadDim),
			q16: make([]byte, 2*c.HeadDim), lanes: make([]float32, 64*c.HeadDim)}
		if (c.Heads/c.KVHeads)%4 == 0 {
			hs.att4, hs.qh4, hs.q164 = make([]float32, 4*ctx), make([]float32, 4*c.HeadDim), make([]byte, 8*c.HeadDim)
			hs.lanes4, hs.q32 = make([]float32, 4*64*c.HeadDim), make([]float32, 4*c.HeadDim)
		}
		st.heads = append(st.heads, hs)
	}
	runtime.AddCleanup(st, func(p *Pool) { p.Close() }, pool)
	return st
}

// Close stops the State's worker goroutines; the State must not be used
// after. Dropping a State without Close also stops them, at the next GC.
func (s *State) Close() { s.pool.Close() }

// attnPartsPerThread is how many head groups attention is cut into per
// thread once the context is long enough to split it.
const attnPartsPerThread = 2

// Forward runs tokens (at most MaxBatch) at positions pos, pos+1, ...
// through the network, appending their keys and values to kc, and returns
// the logits after the last token when wantLogits is set (a slice of s,
// overwritten by the next call). Within the batch each weight block is read
// once for all tokens; every number is the same as running the tokens one
// by one, which in turn is what ggml's batched causal attention computes.
func (m *Model) Forward(s *State, kc *Cache, tokens []int, pos int, wantLogits bool) ([]float32, error) {
	c := m.Config
	n := len(tokens)
	if n == 0 || n > MaxBatch {
		return nil, fmt.Errorf("forward: %d tokens (1..%d per call)", n, MaxBatch)
	}
	if pos < 0 || pos+n > kc.Len {
		return nil, fmt.Errorf("positions %d..%d are outside the context (0..%d): start a new session or use a longer context", pos, pos+n-1, kc.Len-1)
	}
	for i, tok := range tokens {
		if tok < 0 || tok >= c.Vocab {
			return nil, fmt.Errorf("token id %d is outside the vocabulary (0..%d)", tok, c.Vocab-1)
		}
		// Token embedding: one row of token_embd, dequantized.
		if err := quant.Dequantize(m.Embed.Type, m.Embed.Row(tok), s.x.at(i)); err != nil {
			return nil, fmt.Errorf("embedding of token %d: %w", tok, err)
		}
	}

	for l := range m.Layers {
		L := &m.Layers[l]

		// Attention: pre-norm, projections, RoPE, cache, attend, project back.
		m.perToken(s, tokenTask{op: opNorm, norm: L.AttnNorm}, n)
		m.matMul(s, s.q, L.Wq, s.xb, n, false)
		m.matMul(s, s.k, L.Wk, s.xb, n, true)
		m.matMul(s, s.v, L.Wv, s.xb, n, true)
		m.perToken(s, tokenTask{op: opRope, kc: kc, l: l, pos: pos}, n)
		for i := range n {
			m.attention(s, kc, l, pos+i, s.q.at(i), s.xb2.at(i))
		}
		m.matMul(s, s.xb, L.Wo, s.xb2, n, false)
		m.perToken(s, tokenTask{op: opAdd}, n)

		// Feed-forward: pre-norm, SwiGLU, residual.
		m.perToken(s, tokenTask{op: opNorm, norm: L.FFNNorm}, n)
		m.matMul(s, s.hb, L.Gate, s.xb, n, false)
		m.matMul(s, s.hb2, L.Up, s.xb, n, true)
		m.perToken(s, tokenTask{op: opSwiGLU}, n)
		m.matMul(s, s.xb, L.Down, s.hb, n, false)
		m.perToken(s, tokenTask{op: opAdd}, n)
	}

	if !wantLogits {
		return nil, nil
	}
	rmsNorm(s.xb.at(0), s.x.at(n-1), m.OutNorm, c.Eps)
	m.matMul(s, s.logits, m.Output, s.xb, 1, false)
	return s.logits.at(0), nil
}

// tokenTask is one per-token step of a batch, token c in chunk c; batches
// of at least two tokens per thread spread it over the pool (each token's
// numbers are the same either way).
type tokenTask struct {
	m      *Model
	s      *State
	op     tokenOp
	norm   []float32 // opNorm: the norm's weights
	kc     *Cache    // opRope: the cache to store K and V in
	l, pos int       // opRope: layer, position of token 0
}

type tokenOp int

const (
	opNorm   tokenOp = iota // xb = rmsNorm(x)
	opRope                  // RoPE on q and k, then K and V into the cache
	opAdd                   // x += xb
	opSwiGLU                // hb = SwiGLU(hb, hb2)
)

func (t *tokenTask) run(i int) {
	s, c := t.s, t.m.Config
	switch t.op {
	case opNorm:
		rmsNorm(s.xb.at(i), s.x.at(i), t.norm, c.Eps)
	case opRope:
		rope(s.q.at(i), t.pos+i, c.HeadDim, c.RopeTheta)
		rope(s.k.at(i), t.pos+i, c.HeadDim, c.RopeTheta)
		t.kc.store(t.l, t.pos+i, s.k.at(i), s.v.at(i))
	case opAdd:
		add(s.x.at(i), s.xb.at(i))
	case opSwiGLU:
		quant.SwiGLU(s.hb.at(i), s.hb.at(i), s.hb2.at(i))
	}
}

// perToken runs t for tokens 0..n-1.
func (m *Model) perToken(s *State, t tokenTask, n int) {
	t.m, t.s = m, s
	s.tt = t
	if n >= 2*s.pool.Threads() {
		s.pool.run(&s.tt, n)
		return
	}
	for i := range n {
		s.tt.run(i)
	}
}

func add(dst, src []float32) {
	for i := range dst {
		dst[i] += src[i]
	}
}

// rmsNorm is out = x / sqrt(mean(x²) + eps) * w, with the sum of squares in
// float64 as ggml_rms_norm does.
func rmsNorm(out, x, w []float32, eps float32) {
	var sum float64
	for _, v := range x {
		sum += float64(v * v)
	}
	mean := float32(sum / float64(len(x)))
	scale := 1 / float32(math.Sqrt(float64(mean+eps)))
	for i, v := range x {
		out[i] = (v * scale) * w[i]
	}
}

// rope rotates adjacent pairs (x[2i], x[2i+1]) of every head by pos·θ_i with
// θ_i = theta^(-2i/headDim): ggml's "normal" RoPE (mode 0), which GGUF llama
// files expect because converters permute Q and K. θ_i is a running float32
// product, as in ggml_rope_cache_init, and the rotation is written with the
// fused multiply-adds GCC makes of ggml's rotate_pairs.
//
// The angles are the same for every head, so their cosines and sines are
// computed once per call (for heads of up to 2*ropeMaxPairs values) and
// the rotation runs as quant.RotatePairs (the CPU's FMA where it has one).
func rope(x []float32, pos, headDim int, theta float32) {
	scale := float32(math.Pow(float64(theta), -2.0/float64(headDim)))
	if headDim/2 <= ropeMaxPairs && headDim%2 == 0 {
		// bs = (cos, sin), zs = (-sin, cos) per pair: x1*(-sin) is
		// exactly -(x1*sin).
		var bs, zs [2 * ropeMaxPairs]float32
		t := float32(pos)
		for i := 0; i < headDim; i += 2 {
			sin, cos := math.Sincos(float64(t))
			cs, sn := float32(cos), float32(sin)
			bs[i], bs[i+1], zs[i], zs[i+1] = cs, sn, -sn, cs
			t *= scale
		}
		quant.RotatePairs(x, bs[:headDim], zs[:headDim])
		return
	}
	for h := 0; h < len(x); h += headDim {
		t := float32(pos)
		for i := 0; i < headDim; i += 2 {
			sin, cos := math.Sincos(float64(t))
			cs, sn := float32(cos), float32(sin)
			x0, x1 := x[h+i], x[h+i+1]
			x[h+i] = quant.FMA32(x0, cs, -(x1 * sn))
			x[h+i+1] = quant.FMA32(x0, sn, x1*cs)
			t *= scale
		}
	}
}

// ropeMaxPairs is the most rotation pairs per head whose angles rope keeps
// on the stack (head size 512); larger heads recompute them per head.
const ropeMaxPairs = 256

// attention computes causal grouped-query attention of query q (all heads)
// at pos over the cached positions 0..pos, writing the concatenated heads
// to out. Each head is one fused pass (scores, softmax, weighted values);
// groups of heads go to the pool once the context is long enough to pay
// for the hand-off.
func (m *Model) attention(s *State, kc *Cache, l, pos int, q, out []float32) {
	parts := len(s.heads)
	if (pos+1)*m.Heads*m.HeadDim < minAttnWork || s.pool.Threads() == 1 {
		parts = 1
	}
	per := (m.Heads + parts - 1) / parts
	s.at = attnTask{m: m, s: s, kc: kc, l: l, pos: pos, q: q, out: out, per: per}
	s.pool.run(&s.at, (m.Heads+per-1)/per)
}

// minAttnWork is the multiply-adds per K (or V) pass, over all heads, below
// which attention runs on the calling thread alone.
const minAttnWork = 1 << 15

// attnTask is attention for one token; chunk c is heads c*per.. with
// scratch s.heads[c].
type attnTask struct {
	m      *Model
	s      *State
	kc     *Cache
	l, pos int
	q, out []float32
	per    int
}

func (t *attnTask) run(c int) {
	h0 := c * t.per
	t.m.attendHeads(t.s.heads[c], t.kc, t.l, t.pos, t.q, t.out, h0, min(h0+t.per, t.m.Heads))
}

// attendHeads runs heads h0..h1-1, each in one pass over the cache:
// scores, softmax, weighted values. It follows llama.cpp's one-token path
// with flash attention off: scores K·q with q rounded to the cache type,
// softmax over the padded KV length (kvLen), and the probabilities rounded
// to the cache type before they weight V, every sum in ggml_vec_dot's
// order. A batch of tokens gets the same numbers as one token at a time.
// (llama.cpp's own batches take another order, tinyBLAS's, so its prompt
// logits differ from its one-at-a-time ones in the last bits.)
func (m *Model) attendHeads(hs headScratch, kc *Cache, l, pos int, qAll, out []float32, h0, h1 int) {
	c := m.Config
	hd, kvDim := c.HeadDim, c.KVDim()
	group := c.Heads / c.KVHeads
	scale := float32(1 / math.Sqrt(float64(hd)))
	n := pos + 1
	nkv := kvLen(n, kc.Len)
	f16 := kc.Type == ggml.F16
	for h := h0; h < h1; h++ {
		if f16 && hs.att4 != nil && h%4 == 0 && h+4 <= h1 {
			m.attend4(hs, kc, l, n, nkv, qAll, out, h, scale)
			h += 3
			continue
		}
		kvo := (h / group) * hd
		q := hs.qh
		copy(q, qAll[h*hd:(h+1)*hd])
		att := hs.att[:n]
		o := out[h*hd : (h+1)*hd]
		switch {
		case f16:
			roundF16(q)
			scoresF16Vec(att, q, hs.q16, kc.k16[l], kvo, kvDim, scale)
			softmax(att, nkv)
			roundF16(att)
			weighF16Vec(o, att, kc.v16[l], kvo, kvDim, hs.lanes, nkv)
		default:
			scoresF32(att, q, kc.k32[l], kvo, kvDim, scale)
			softmax(att, nkv)
			weighF32(o, att, kc.v32[l], kvo, kvDim)
		}
	}
}

// kvLen is the length llama.cpp's attention runs over when n positions
// are used in a cache of size cells: n rounded up to a multiple of 256
// (so that its compute graph stays the same across steps), at most the
// cache size. The extra positions are masked out (weight 0), but the length
// decides which additions happen in SIMD lanes and which in double, so the
// engine follows it.
func kvLen(n, cells int) int {
	return min(cells, (n+255)/256*256)
}

// f16Bytes views F16 values as the little-endian bytes quant reads.
func f16Bytes(x []uint16) []byte {
	if len(x) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&x[0])), 2*len(x))
}

// scoresF16Vec is scoresF16 in the one-token order: each score is one
// ggml_vec_dot_f16 (quant.VecDot) of a key row and the F16 query, all rows
// of the head in one quant.DotF16Rows call.
// attend4 is attendHeads for heads h..h+3, which share a KV head, with
// an F16 cache: each key and value row is read and converted once for the
// four (quant.DotF16Rows4, AxpyF16Rows4), every number as for one head.
func (m *Model) attend4(hs headScratch, kc *Cache, l, n, nkv int, qAll, out []float32, h int, scale float32) {
	c := m.Config
	hd, kvDim := c.HeadDim, c.KVDim()
	kvo := (h / (c.Heads / c.KVHeads)) * hd
	ctx := len(hs.att)
	var att [4][]float32
	var q16 [4][]byte
	for i := range 4 {
		q := hs.qh4[i*hd : (i+1)*hd]
		copy(q, qAll[(h+i)*hd:(h+i+1)*hd])
		roundF16(q)
		q16[i] = hs.q164[2*i*hd : 2*(i+1)*hd]
		quant.QuantizeActivations(ggml.F16, q, q16[i])
		att[i] = hs.att4[i*ctx : i*ctx+n : (i+1)*ctx]
	}
	quant.DotF16Rows4(&att, kc.k16[l][kvo:], kvDim, &q16, hs.q32)
	for i := range att {
		for t := range att[i] {
			att[i][t] *= scale
		}
		softmax(att[i], nkv)
		roundF16(att[i])
	}
	np := min(nkv&^63, n) // positions inside whole 64-blocks
	var lanes, ap [4][]float32
	for i := range lanes {
		lanes[i] = hs.lanes4[i*64*hd : (i+1)*64*hd]
		ap[i] = att[i][:np]
	}
	quant.AxpyF16Rows4(&lanes, kc.v16[l][kvo:], kvDim, &ap)
	for i := range lanes {
		o := out[(h+i)*hd : (h+i+1)*hd]
		quant.FoldLanes64(o, lanes[i])
		clear(lanes[i][:min(np, 64)*hd])
		weighTail(o, att[i], kc.v16[l], kvo, kvDim, np)
	}
}

func scoresF16Vec(att, q []float32, q16 []byte, k []uint16, kvo, kvDim int, scale float32) {
	hd := len(q)
	quant.QuantizeActivations(ggml.F16, q, q16[:2*hd])
	if len(att) == 0 {
		return
	}
	quant.DotF16Rows(att, k[kvo:], kvDim, q16[:2*hd])
	for t := range att {
		att[t] *= scale
	}
}

// weighF16Vec sets o = Σ_t att[t]·V[t] over an F16 cache in llama.cpp's
// one-token order: mul_mat(V, kq) is one ggml_vec_dot_f16 per dimension
// over the padded KV length nkv (see kvLen; the padding weighs 0). That dot
// keeps 4x16 float lanes over each 64-position block and adds the rest in
// double; here lane t%64 of every dimension is one row of lanes, filled
// walking V's rows in order (quant.AxpyF16Rows), then folded for all
// dimensions at once (quant.FoldLanes64). Products of two halves are exact
// in float32, so each lane sees the same additions as the SIMD kernel.
//
// lanes must be all zero on entry and is left so: only the rows this call
// filled are cleared (after the fold), which spares clearing all 64 rows
// while the context is short.
func weighF16Vec(o, att []float32, v []uint16, kvo, kvDim int, lanes []float32, nkv int) {
	hd, n := len(o), len(att)
	np := min(nkv&^63, n) // positions inside whole 64-blocks
	lanes = lanes[:64*hd]
	quant.AxpyF16Rows(lanes, v[kvo:], kvDim, att[:np])
	quant.FoldLanes64(o, lanes)
	clear(lanes[:min(np, 64)*hd])
	weighTail(o, att, v, kvo, kvDim, np)
}

// weighTail adds the positions from np on (past the last whole 64-block),
// each in double, to o: ggml's scalar tail of softmax·V.
func weighTail(o, att []float32, v []uint16, kvo, kvDim, np int) {
	tab := (*[1 << 16]float32)(f16Table)
	n := len(att)
	if np == n {
		return
	}
	for d := range o {
		sum := float64(o[d])
		for t := np; t < n; t++ {
			sum += float64(tab[v[t*kvDim+kvo+d]] * att[t])
		}
		o[d] = float32(sum)
	}
}

// scoresF32 sets att[t] = (K[t]·q)·scale over an F32 cache, summing in
// plain order (the F32 cache is an option outside the golden's F16 path).
func scoresF32(att, q []float32, k []float32, kvo, kvDim int, scale float32) {
	hd := len(q)
	t := 0
	for ; t+4 <= len(att); t += 4 {
		b := t*kvDim + kvo
		k0, k1 := k[b:b+hd], k[b+kvDim:b+kvDim+hd]
		k2, k3 := k[b+2*kvDim:b+2*kvDim+hd], k[b+3*kvDim:b+3*kvDim+hd]
		var d0, d1, d2, d3 float32
		for i, qi := range q {
			d0 += k0[i] * qi
			d1 += k1[i] * qi
			d2 += k2[i] * qi
			d3 += k3[i] * qi
		}
		att[t], att[t+1], att[t+2], att[t+3] = d0*scale, d1*scale, d2*scale, d3*scale
	}
	for ; t < len(att); t++ {
		kt := k[t*kvDim+kvo : t*kvDim+kvo+hd]
		var dot float32
		for i, qi := range q {
			dot += kt[i] * qi
		}
		att[t] = dot * scale
	}
}

// weighF32 sets o = Σ_t att[t]·V[t] over an F32 cache, in plain order.
func weighF32(o, att []float32, v []float32, kvo, kvDim int) {
	hd := len(o)
	clear(o)
	t := 0
	for ; t+4 <= len(att); t += 4 {
		b := t*kvDim + kvo
		v0, v1 := v[b:b+hd], v[b+kvDim:b+kvDim+hd]
		v2, v3 := v[b+2*kvDim:b+2*kvDim+hd], v[b+3*kvDim:b+3*kvDim+hd]
		a0, a1, a2, a3 := att[t], att[t+1], att[t+2], att[t+3]
		for i := range o {
			x := o[i]
			x += v0[i] * a0
			x += v1[i] * a1
			x += v2[i] * a2
			x += v3[i] * a3
			o[i] = x
		}
	}
	for ; t < len(att); t++ {
		vt := v[t*kvDim+kvo : t*kvDim+kvo+hd]
		a := att[t]
		for i := range o {
			o[i] += vt[i] * a
		}
	}
}

// softmax normalizes one attention row in place as ggml_soft_max_f32 does
// over llama.cpp's padded KV length nkv: ggml's vector exponential, the
// sum in float64 block by block, then one float32 scale.
//
// x's capacity past len(x), up to the next multiple of 16, is scratch: it
// is filled with -Inf, masked positions as in llama.cpp's row, so that the
// last block also runs in SIMD. e^(-Inf-max) is +0, the very value
// SoftMaxExp gives masked lanes, so the sum is the same.
func softmax(x []float32, nkv int) {
	mx := maxF32(x)
	n, m := len(x), len(x)
	if p := min((n+15)&^15, nkv&^15, cap(x)); p > n && mx > float32(math.Inf(-1)) {
		m = p
		pad := x[n:m]
		for i := range pad {
			pad[i] = float32(math.Inf(-1))
		}
	}
	sum := quant.SoftMaxExp(x[:m], x[:m], mx, nkv)
	inv := float32(1 / sum)
	for i := range x {
		x[i] *= inv
	}
}

// maxF32 is the largest of -Inf and x's values by Go's max (NaN if any is
// NaN, +0 over -0): an associative and commutative order, so four running
// maxima (which pipeline) give the same value as one.
func maxF32(x []float32) float32 {
	m0 := float32(math.Inf(-1))
	m1, m2, m3 := m0, m0, m0
	i := 0
	for ; i+4 <= len(x); i += 4 {
		m0 = max(m0, x[i])
		m1 = max(m1, x[i+1])
		m2 = max(m2, x[i+2])
		m3 = max(m3, x[i+3])
	}
	for ; i < len(x); i++ {
		m0 = max(m0, x[i])
	}
	return max(max(m0, m1), max(m2, m3))
}

// matMul is out[i] = W·x[i] for the first n rows of x, each x[i] quantized
// once to the activation type ggml pairs with W's type. Rows of W are cut
// into chunks that the pool's threads claim one at a time: one token goes
// through quant.MatVec, several through quant.MatMulRows, which reuses each
// weight row across the batch. Every output equals one VecDot whatever the
// split, so the numbers do not depend on the thread count or batch size.
func (m *Model) matMul(s *State, out rows, w Matrix, x rows, n int, again bool) {
	at := quant.VecDotType(w.Type)
	ars := at.RowSize(w.Cols)
	threads := s.pool.Threads()
	if !again || s.actType != at || s.actRows != n {
		s.qt = quantTask{t: at, x: x, act: s.act, ars: ars}
		if n >= 2*threads {
			s.pool.run(&s.qt, n)
		} else {
			for i := range n {
				s.qt.run(i)
			}
		}
		s.actType, s.actRows = at, n
	}
	rs := w.Type.RowSize(w.Cols)
	per := w.Rows // rows per chunk
	switch {
	case w.Rows*rs*n < threads*minWorkBytes:
		// Too little work to share.
	case n == 1:
		// Long runs of rows keep each thread's reads sequential (the
		// multi-row kernels prefetch the next rows); at least 4 chunks per
		// thread so a slow core does not hold up the rest.
		per = max(1, min(genChunkRows, w.Rows/(4*threads)))
	default:
		// quant.MatMulRows tiles by 128 rows and wants callers to split
		// rows across threads; whole tiles per chunk, and two chunks per
		// thread: each call prepares the batch's activations again (the
		// AMX kernels copy them), which cost 3-4% at 512 rows a chunk.
		per = max(promptChunkRows, w.Rows/(2*threads))
	}
	outs := s.outs[:n]
	for i := range outs {
		outs[i] = out.at(i)
	}
	s.mt = matTask{w: w, rs: rs, out: outs, act: s.act, ars: ars, per: per}
	s.pool.run(&s.mt, (w.Rows+per-1)/per)
}

// quantTask quantizes the rows of x to t, row c into act[c*ars:].
type quantTask struct {
	t   ggml.Type
	x   rows
	act []byte
	ars int
}

func (t *quantTask) run(c int) {
	quant.QuantizeActivations(t.t, t.x.at(c), t.act[c*t.ars:(c+1)*t.ars])
}

// minWorkBytes is the weight bytes (times tokens) per thread below which a
// product runs on the calling thread alone.
const minWorkBytes = 1 << 16

// genChunkRows is the most rows per chunk of a one-token product (32
// measured 11% slower on the 7B Q4_0 file, 128 5%).
const genChunkRows = 512

// promptChunkRows is the fewest rows per chunk of a many-token product:
// whole tiles of the GEMM kernels, long enough that their per-call
// preparation of the activations (tile kernels) is paid rarely.
const promptChunkRows = 512

// matTask is one matrix product; chunk c is rows c*per.. of w for all n
// tokens.
type matTask struct {
	w   Matrix
	rs  int         // bytes per row of w
	out [][]float32 // one per token
	act []byte
	ars int // bytes per activation row
	per int
}

func (t *matTask) run(c int) {
	r0 := c * t.per
	r1 := min(r0+t.per, t.w.Rows)
	switch {
	case len(t.out) == 1 && t.w.Repacked:
		quant.MatVecRepacked(t.w.Type, t.w.Data[r0*t.rs:r1*t.rs], r1-r0, t.w.Cols, t.act[:t.ars], t.out[0][r0:r1])
	case len(t.out) == 1:
		// Generation: MatVec picks the SIMD kernel once per chunk.
		quant.MatVec(t.w.Type, t.w.Data[r0*t.rs:r1*t.rs], r1-r0, t.w.Cols, t.act[:t.ars], t.out[0][r0:r1])
	case t.w.Repacked:
		quant.MatMulRowsRepacked(t.w.Type, t.w.Data, t.w.Cols, r0, r1, t.act, len(t.out), t.out)
	default:
		quant.MatMulRows(t.w.Type, t.w.Data, t.w.Cols, r0, r1, t.act, len(t.out), t.out)
	}
}
