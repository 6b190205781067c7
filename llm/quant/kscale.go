package quant

import "math"

// Shared pieces of the K-quants: ggml's rounding helper, the 12-byte packing
// of eight 6-bit (scale, min) pairs used by Q4_K and Q5_K, and the
// scale-and-min search (make_qkx2_quants) their reference quantizers run.
//
// Every float expression below is written in ggml's evaluation order with
// float32 rounding after each operation (explicit float32 conversions stop
// Go from fusing a multiply and an add), so that our quantizers pick the
// same integers as llama-quantize.

// groupMaxEps is GROUP_MAX_EPS: below it a group counts as all zero.
const groupMaxEps = 1e-15

// nearestInt is ggml's nearest_int: adding 1.5*2^23 rounds to an integer in
// the float32 adder (round half to even) for |f| <= 2^22.
func nearestInt(f float32) int {
	v := f + 12582912
	return int(math.Float32bits(v)&0x007fffff) - 0x00400000
}

// scaleMinK4 unpacks sub-block j's 6-bit scale and min from a K-quant
// 12-byte scales field (get_scale_min_k4): bytes 0-3 hold scales 0-3 and
// bytes 4-7 mins 0-3 in their low 6 bits; sub-blocks 4-7 keep their low
// nibbles in bytes 8-11 and their top 2 bits in the top bits of bytes 0-7.
func scaleMinK4(j int, q []byte) (sc, m uint8) {
	if j < 4 {
		return q[j] & 63, q[j+4] & 63
	}
	sc = q[j+4]&0xf | (q[j-4]>>6)<<4
	m = q[j+4]>>4 | (q[j]>>6)<<4
	return sc, m
}

// packScaleMinK4 is the inverse of scaleMinK4 for all eight sub-blocks;
// values must be < 64.
func packScaleMinK4(q []byte, ls, lm *[8]uint8) {
	clear(q[:12])
	for j := 0; j < 8; j++ {
		if j < 4 {
			q[j] = ls[j]
			q[j+4] = lm[j]
		} else {
			q[j+4] = ls[j]&0xf | (lm[j]&0xf)<<4
			q[j-4] |= (ls[j] >> 4) << 6
			q[j] |= (lm[j] >> 4) << 6
		}
	}
}

// makeQKX2Quants fits x ≈ scale*L - min (L in 0..nmax, min >= 0) by
// weighted least squares over nstep+1 candidate scales (make_qkx2_quants).
// It returns the scale and stores the min; L and laux hold len(x) entries.
func makeQKX2Quants(nmax int, x, weights []float32, L, laux []uint8, theMin *float32,
	rmin, rdelta float32, nstep int, useMAD bool) float32 {
	n := len(x)
	minv, maxv := x[0], x[0]
	sumW := weights[0]
	sumX := float32(sumW * x[0])
	for i := 1; i < n; i++ {
		if x[i] < minv {
			minv = x[i]
		}
		if x[i] > maxv {
			maxv = x[i]
		}
		w := weights[i]
		sumW += w
		sumX += float32(w * x[i])
	}
	if minv > 0 {
		minv = 0
	}
	if maxv == minv {
		for i := 0; i < n; i++ {
			L[i] = 0
		}
		*theMin = -minv
		return 0
	}
	fnmax := float32(nmax)
	iscale := fnmax / (maxv - minv)
	scale := 1 / iscale
	var bestError float32
	for i := 0; i < n; i++ {
		l := nearestInt(float32(iscale * float32(x[i]-minv)))
		L[i] = uint8(max(0, min(nmax, l)))
		diff := float32(float32(scale*float32(L[i]))+minv) - x[i]
		if useMAD {
			diff = float32(math.Abs(float64(diff)))
		} else {
			diff = float32(diff * diff)
		}
		bestError += float32(weights[i] * diff)
	}
	if nstep < 1 {
		*theMin = -minv
		return scale
	}
	for is := 0; is <= nstep; is++ {
		iscale = float32(float32(rmin+float32(rdelta*float32(is)))+fnmax) / (maxv - minv)
		var sumL, sumL2, sumXL float32
		for i := 0; i < n; i++ {
			l := nearestInt(float32(iscale * float32(x[i]-minv)))
			l = max(0, min(nmax, l))
			laux[i] = uint8(l)
			w := weights[i]
			fl := float32(l)
			wl := float32(w * fl)
			sumL += wl
			sumL2 += float32(wl * fl)
			sumXL += float32(wl * x[i])
		}
		D := float32(sumW*sumL2) - float32(sumL*sumL)
		if D > 0 {
			thisScale := (float32(sumW*sumXL) - float32(sumX*sumL)) / D
			thisMin := (float32(sumL2*sumX) - float32(sumL*sumXL)) / D
			if thisMin > 0 {
				thisMin = 0
				thisScale = sumXL / sumL2
			}
			var curError float32
			for i := 0; i < n; i++ {
				diff := float32(float32(thisScale*float32(laux[i]))+thisMin) - x[i]
				if useMAD {
					diff = float32(math.Abs(float64(diff)))
				} else {
					diff = float32(diff * diff)
				}
				curError += float32(weights[i] * diff)
			}
			if curError < bestError {
				copy(L[:n], laux[:n])
				bestError = curError
				scale = thisScale
				minv = thisMin
			}
		}
	}
	*theMin = -minv
	return scale
}

// quantizeScalesMinsK4 turns eight sub-block scales and mins into a
// super-block's d and dmin (as halves) and 6-bit codes packed into q, then
// recomputes each sub-block's integers against the rounded values, as
// quantize_row_q4_K_ref and quantize_row_q5_K_ref do. x is the super-block,
// L receives its 256 integers in 0..nmax.
func quantizeScalesMinsK4(x []float32, scales, mins *[8]float32, nmax int, q []byte, L []uint8) (d, dmin uint16) {
	var maxScale, maxMin float32
	for j := 0; j < 8; j++ {
		if scales[j] > maxScale {
			maxScale = scales[j]
		}
		if mins[j] > maxMin {
			maxMin = mins[j]
		}
	}
	var invScale, invMin float32
	if maxScale > 0 {
		invScale = 63 / maxScale
	}
	if maxMin > 0 {
		invMin = 63 / maxMin
	}
	var ls, lm [8]uint8
	for j := 0; j < 8; j++ {
		// ggml stores nearest_int into a uint8 before clamping.
		ls[j] = min(63, uint8(nearestInt(float32(invScale*scales[j]))))
		lm[j] = min(63, uint8(nearestInt(float32(invMin*mins[j]))))
	}
	packScaleMinK4(q, &ls, &lm)
	d = FP32ToFP16(maxScale / 63)
	dmin = FP32ToFP16(maxMin / 63)
	fd, fdmin := FP16ToFP32(d), FP16ToFP32(dmin)
	for j := 0; j < 8; j++ {
		sc, m := scaleMinK4(j, q)
		dd := float32(fd * float32(sc))
		if dd == 0 {
			continue
		}
		dm := float32(fdmin * float32(m))
		for ii := 0; ii < 32; ii++ {
			l := nearestInt(float32(x[32*j+ii]+dm) / dd)
			L[32*j+ii] = uint8(max(0, min(nmax, l)))
		}
	}
	return d, dmin
}

// kquantWeights is the weighting quantize_row_q4_K_ref and _q5_K_ref give
// make_qkx2_quants: rms of the sub-block plus |x|.
func kquantWeights(x []float32, w *[32]float32) {
	var sumX2 float32
	for _, v := range x {
		sumX2 += float32(v * v)
	}
	avX := float32(math.Sqrt(float64(sumX2 / 32)))
	for l, v := range x {
		w[l] = avX + float32(math.Abs(float64(v)))
	}
}
