//go:build amd64 && !noasm

package quant

// gemvRowPF selects, on Intel CPUs, the multi-row gemv kernels that
// prefetch the next group of rows row by row: each row's stream the
// distance of one group ahead, into L2, beside the row being read. The
// address-order prefetch of the next group that the kernels were tuned
// with on AMD Zen streams 15-35% slower from memory on Sapphire Rapids
// (one thread, Mistral 7B shapes: Q4_0 8-row 11.7 against 13.0 GB/s on
// 4096-wide rows and 11.7 against 15.7 on 14336-wide ones, Q8_0 4-row
// 12.2/12.7 against 14.7/16.9, Q6_K 4-row 12.0/12.6 against 13.6/15.2,
// Q4_K 4-row on 14336-wide rows 11.6 against 14.8). AMD keeps the kernels
// it was measured with. Tests flip it to run both.
var gemvRowPF = isIntel()

// isIntel reports a GenuineIntel CPU (CPUID leaf 0).
func isIntel() bool {
	b, d, c := gemvCPUVendor()
	return b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e
}

// gemvCPUVendor returns CPUID leaf 0's vendor string registers.
func gemvCPUVendor() (ebx, edx, ecx uint32)
