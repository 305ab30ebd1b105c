# Joins `Perf --filter conv-shapes` (the file whose name contains "ck") with perf/torch/conv_shapes_cuda.py's
# output (files whose names contain "fp32" and "default") by shape key; used by perf/gpu/compare.sh and
# perf/compare-conv-shapes-cpu.sh. Times in ms (forward, backward). The last columns: PyTorch FP32 ms over
# the fastest ColorKernels variant's ms (> 1: ColorKernels faster), forward and backward, and that variant.
FILENAME ~ /ck/ && $1 == "conv-shape" {
  ck[$2 " " $3] = $4 " " $5
  if (!($2 in seenKey)) { seenKey[$2] = 1; keys[nk++] = $2 }
  if (!($3 in seenVar)) { seenVar[$3] = 1; vars[nv++] = $3 }
}
FILENAME ~ /fp32/ && $1 == "torch-shape" { fp[$2] = $3 " " $4 }
FILENAME ~ /default/ && $1 == "torch-shape" { df[$2] = $3 " " $4 }
END {
  printf "%-34s", "shape"
  for (v = 0; v < nv; v++) printf " %18s", vars[v]
  printf " %18s %18s %7s %7s  %s\n", "torch-fp32", "torch-default", "fwd", "bwd", "fastest"
  for (i = 0; i < nk; i++) {
    k = keys[i]; bf = 0; bb = 0; best = ""
    printf "%-34s", k
    for (v = 0; v < nv; v++) {
      printf " %18s", ck[k " " vars[v]]
      split(ck[k " " vars[v]], t, " ")
      if (t[1] > 0 && (bf == 0 || t[1] + t[2] < bf + bb)) { bf = t[1]; bb = t[2]; best = vars[v] }
    }
    split(fp[k], f, " ")
    printf " %18s %18s %7.3f %7.3f  %s\n", fp[k], df[k], (bf > 0 ? f[1] / bf : 0), (bb > 0 ? f[2] / bb : 0), best
  }
}
