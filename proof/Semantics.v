(* The semantics the theorem speaks about, written to mirror reference/ line by line:
   adaptive windows (adaptive_window.cc), the pool geometry every family resolves to, its index
   progressions and avg divisors (fixed_pool.cc), PyTorch's layer (fixed_pool.cc), ONNX's and
   TFLite's (export_pool.cc), and "reproduces" as geometry_mismatch decides it. *)
From Coq Require Import ZArith Lia List Bool.
From Poolproof Require Import Zfacts.
Import ListNotations.
Open Scope Z_scope.

(** fixed_pool.h pool_kind. *)
Inductive pool_kind := avg | max.

(** * Adaptive windows (adaptive_window.cc) *)

(** start_index: floor(i*n/m) (C++: an unsigned 128-bit quotient of nonnegatives). *)
Definition start_index (i n m : Z) : Z := i * n / m.

(** end_index: ceil((i+1)*n/m), written as the C++ writes it: ((i+1)*n + m - 1) / m. *)
Definition end_index (i n m : Z) : Z := ((i + 1) * n + m - 1) / m.

(** window: [begin, end). *)
Record window := mk_window { w_begin : Z; w_end : Z }.

Definition w_length (w : window) : Z := w_end w - w_begin w.

Definition adaptive_window (n m i : Z) : window := mk_window (start_index i n m) (end_index i n m).

(** * The geometry every family resolves to (fixed_pool.h pool_geometry)

   divisor_override is left out: no family the tool searches sets it. *)
Record pool_geometry := mk_geometry {
  g_count : Z;
  g_kernel : Z;
  g_stride : Z;
  g_dilation : Z;
  g_pad_begin : Z;
  g_pad_end : Z;
  g_divide_by_padded : bool
}.

Definition with_divisor (g : pool_geometry) (padded : bool) : pool_geometry :=
  mk_geometry (g_count g) (g_kernel g) (g_stride g) (g_dilation g) (g_pad_begin g) (g_pad_end g)
    padded.

Definition with_count (g : pool_geometry) (c : Z) : pool_geometry :=
  mk_geometry c (g_kernel g) (g_stride g) (g_dilation g) (g_pad_begin g) (g_pad_end g)
    (g_divide_by_padded g).

Definition with_pads (g : pool_geometry) (b e : Z) : pool_geometry :=
  mk_geometry (g_count g) (g_kernel g) (g_stride g) (g_dilation g) b e (g_divide_by_padded g).

(** explicit_pads_geometry: o = floor or (ceil_mode) ceil of (n + pb + pe - d*(k-1) - 1)/s, plus 1;
    ceil_mode drops a last window starting at or past n + pb. (The C++ saturates counts below
    -2^62; a count <= 0 never equals m >= 1, so the saturation is left out.) *)
Definition explicit_pads_geometry (n k s d pb pe : Z) (ceil_mode : bool) : pool_geometry :=
  let span := n + pb + pe - d * (k - 1) - 1 in
  let count := (if ceil_mode then ceil_div span s else floor_div span s) + 1 in
  let count := if ceil_mode && (n + pb <=? (count - 1) * s) then count - 1 else count in
  mk_geometry count k s d pb pe false.

(** index_progression: {first + j*step : 0 <= j < count}. *)
Record progression := mk_progression { p_first : Z; p_count : Z; p_step : Z }.

(** geometry_indices: the taps o*s - pb + j*d (0 <= j < k) inside [0, n). *)
Definition geometry_indices (n : Z) (g : pool_geometry) (o : Z) : progression :=
  let d := g_dilation g in
  let raw_first := o * g_stride g - g_pad_begin g in
  let raw_last := raw_first + (g_kernel g - 1) * d in
  let first := if raw_first <? 0 then raw_first + ceil_div (- raw_first) d * d else raw_first in
  let last := Z.min raw_last (n - 1) in
  let count := if last <? first then 0 else (last - first) / d + 1 in
  mk_progression (if count =? 0 then 0 else first) count d.

(** geometry_avg_divisor (without divisor_override): with divide_by_padded the window clipped to
    the padded extent, min(x0 + k, n + pe) - x0, else the inputs read. *)
Definition geometry_avg_divisor (n : Z) (g : pool_geometry) (o : Z) : Z :=
  if g_divide_by_padded g then
    let b := o * g_stride g - g_pad_begin g in
    Z.min (b + g_kernel g) (n + g_pad_end g) - b
  else p_count (geometry_indices n g o).

(** same_indices: the progression reads exactly the inputs of the window. *)
Definition same_indices (p : progression) (w : window) : bool :=
  (p_count p =? w_length w) &&
  ((p_count p =? 0) || ((p_first p =? w_begin w) && ((p_count p =? 1) || (p_step p =? 1)))).

(** output_mismatch is none: the same index set and, for avg, the same divisor. *)
Definition output_matches (n m : Z) (g : pool_geometry) (kind : pool_kind) (o : Z) : bool :=
  let w := adaptive_window n m o in
  same_indices (geometry_indices n g o) w &&
  match kind with
  | avg => geometry_avg_divisor n g o =? w_length w
  | max => true
  end.

(** geometry_mismatch is none: m outputs, each matching its adaptive window. *)
Definition reproduces (n m : Z) (g : pool_geometry) (kind : pool_kind) : Prop :=
  g_count g = m /\ forall o, 0 <= o < m -> output_matches n m g kind o = true.

(** * PyTorch AvgPool / MaxPool on one axis (fixed_pool.h) *)
Record pytorch_params := mk_pytorch {
  pt_kernel : Z;
  pt_stride : Z;
  pt_padding : Z;
  pt_dilation : Z;
  pt_ceil_mode : bool;
  pt_count_include_pad : bool
}.

(** require_valid_params (without the 2^62 bounds, see docs/theorem.md): kernel, stride,
    dilation >= 1, 0 <= padding <= kernel/2, avg without dilation. *)
Definition valid_pytorch (kind : pool_kind) (p : pytorch_params) : Prop :=
  1 <= pt_kernel p /\ 1 <= pt_stride p /\ 1 <= pt_dilation p /\
  0 <= pt_padding p /\ pt_padding p <= pt_kernel p / 2 /\
  (kind = avg -> pt_dilation p = 1).

(** fixed_pool_geometry: padding on both sides, count_include_pad as the divisor rule. *)
Definition pytorch_geometry (n : Z) (p : pytorch_params) : pool_geometry :=
  with_divisor
    (explicit_pads_geometry n (pt_kernel p) (pt_stride p) (pt_dilation p) (pt_padding p)
       (pt_padding p) (pt_ceil_mode p))
    (pt_count_include_pad p).

(** * ONNX AveragePool / MaxPool on one axis (export_pool.h) *)
Inductive onnx_auto_pad := notset | same_upper | same_lower | valid.

Definition auto_pad_index (a : onnx_auto_pad) : Z :=
  match a with notset => 0 | same_upper => 1 | same_lower => 2 | valid => 3 end.

Record onnx_params := mk_onnx {
  ox_kernel : Z;
  ox_stride : Z;
  ox_pad_begin : Z;
  ox_pad_end : Z;
  ox_dilation : Z;
  ox_auto_pad : onnx_auto_pad;
  ox_ceil_mode : bool;
  ox_count_include_pad : bool
}.

(** require_valid_onnx_params: NOTSET pads in [0, k); auto_pad takes no pads, ceil_mode or
    dilation; avg has no dilation. *)
Definition valid_onnx (kind : pool_kind) (p : onnx_params) : Prop :=
  1 <= ox_kernel p /\ 1 <= ox_stride p /\ 1 <= ox_dilation p /\
  (kind = avg -> ox_dilation p = 1) /\
  match ox_auto_pad p with
  | notset => 0 <= ox_pad_begin p <= ox_kernel p - 1 /\ 0 <= ox_pad_end p <= ox_kernel p - 1
  | _ => ox_pad_begin p = 0 /\ ox_pad_end p = 0 /\ ox_ceil_mode p = false /\ ox_dilation p = 1
  end.

(** same_geometry: o = ceil(n/s), P = (o-1)*s + k - n, floor(P/2) (or ceil(P/2) with
    extra_before) before, the rest after. *)
Definition same_geometry (n k s : Z) (extra_before : bool) : pool_geometry :=
  let count := ceil_div n s in
  let total := (count - 1) * s + k - n in
  let before := if extra_before then ceil_div total 2 else floor_div total 2 in
  mk_geometry count k s 1 before (total - before) false.

(** onnx_pool_geometry. *)
Definition onnx_geometry (n : Z) (p : onnx_params) (kind : pool_kind) : pool_geometry :=
  let padded := match kind with avg => ox_count_include_pad p | max => false end in
  match ox_auto_pad p with
  | same_upper | same_lower =>
      let lower := match ox_auto_pad p with same_lower => true | _ => false end in
      let g := with_divisor (same_geometry n (ox_kernel p) (ox_stride p) lower) padded in
      if (g_pad_begin g <? 0) || (g_pad_end g <? 0) then with_count g 0 else g
  | notset | valid =>
      let v := match ox_auto_pad p with valid => true | _ => false end in
      with_divisor
        (explicit_pads_geometry n (ox_kernel p) (ox_stride p) (ox_dilation p)
           (if v then 0 else ox_pad_begin p) (if v then 0 else ox_pad_end p) (ox_ceil_mode p))
        padded
  end.

(** * TFLite AVERAGE_POOL_2D / MAX_POOL_2D on one axis (export_pool.h) *)
Inductive tflite_padding := tf_valid | tf_same.

Record tflite_params := mk_tflite { tf_kernel : Z; tf_stride : Z; tf_padding : tflite_padding }.

(** require_valid_tflite_params. *)
Definition valid_tflite (p : tflite_params) : Prop := 1 <= tf_kernel p /\ 1 <= tf_stride p.

(** tflite_pool_geometry: SAME clamps a negative total padding to 0; VALID is the explicit rule
    without pads; avg always divides by the inputs read. *)
Definition tflite_geometry (n : Z) (p : tflite_params) : pool_geometry :=
  match tf_padding p with
  | tf_same =>
      let g := same_geometry n (tf_kernel p) (tf_stride p) false in
      if (g_pad_begin g <? 0) || (g_pad_end g <? 0) then with_pads g 0 0 else g
  | tf_valid => explicit_pads_geometry n (tf_kernel p) (tf_stride p) 1 0 0 false
  end.
