(* The bridge to the code: the proof's own definitions evaluated on every n, m <= 32, as rows of
   numbers that bridge/bridge_table.cc prints from the C++ reference and closed_form; the
   proof_bridge test extracts this file to OCaml and diffs the two tables. *)
From Coq Require Import ZArith List Bool.
From Poolproof Require Import Semantics ClosedForm ND NDWitness.
Import ListNotations.
Open Scope Z_scope.

(** a, a+1, ..., b (empty when b < a). *)
Definition range (a b : Z) : list Z :=
  map (fun i => a + Z.of_nat i) (seq 0 (Z.to_nat (b - a + 1))).

(** Row tags (bridge_print.ml prints them as words). *)
Definition tag_window := 1.
Definition tag_pytorch := 2.
Definition tag_output := 3.
Definition tag_onnx := 4.
Definition tag_tflite := 5.
Definition tag_closed := 6.
Definition tag_nd := 7.

(** window n m i begin end, for every n, m <= N. *)
Definition window_rows (N : Z) : list (list Z) :=
  flat_map (fun n => flat_map (fun m =>
    map (fun i => [tag_window; n; m; i; start_index i n m; end_index i n m]) (range 0 (m - 1)))
    (range 1 N)) (range 1 N).

(** The geometry's count, pads and divisor rule, then per output: first, count, step and the
    avg divisor (-1 where the C++ precondition, dilation 1 for padded divisors, fails). *)
Definition geometry_rows (header : list Z) (n : Z) (g : pool_geometry) : list (list Z) :=
  (header ++ [g_count g; g_pad_begin g; g_pad_end g; b2z (g_divide_by_padded g)]) ::
  map (fun o =>
         let p := geometry_indices n g o in
         [tag_output; o; p_first p; p_count p; p_step p;
          if g_divide_by_padded g && negb (g_dilation g =? 1) then -1
          else geometry_avg_divisor n g o])
      (range 0 (g_count g - 1)).

Definition bools : list bool := [false; true].

(** PyTorch: kernel <= 5, stride <= 3, every padding <= k/2, dilation <= 2, both flags. *)
Definition pytorch_rows (N : Z) : list (list Z) :=
  flat_map (fun n => flat_map (fun k => flat_map (fun s => flat_map (fun p =>
    flat_map (fun d => flat_map (fun c => flat_map (fun cip =>
      geometry_rows [tag_pytorch; n; k; s; p; d; b2z c; b2z cip] n
        (pytorch_geometry n (mk_pytorch k s p d c cip)))
    bools) bools) (range 1 2)) (range 0 (k / 2))) (range 1 3)) (range 1 5)) (range 1 N).

(** ONNX (avg, so count_include_pad shows): kernel <= 4, stride <= 3, NOTSET with every pad
    below the kernel, dilation <= 2, both flags; the auto_pads without pads. *)
Definition onnx_rows (N : Z) : list (list Z) :=
  let row n p := geometry_rows [tag_onnx; n; ox_kernel p; ox_stride p; ox_pad_begin p;
                                ox_pad_end p; ox_dilation p; auto_pad_index (ox_auto_pad p);
                                b2z (ox_ceil_mode p); b2z (ox_count_include_pad p)] n
                   (onnx_geometry n p avg) in
  flat_map (fun n => flat_map (fun k => flat_map (fun s =>
    flat_map (fun b => flat_map (fun e => flat_map (fun d => flat_map (fun c =>
      flat_map (fun cip => row n (mk_onnx k s b e d notset c cip))
      bools) bools) (range 1 2)) (range 0 (k - 1))) (range 0 (k - 1)) ++
    flat_map (fun a => flat_map (fun cip => row n (mk_onnx k s 0 0 1 a false cip)) bools)
      [same_upper; same_lower; valid])
    (range 1 3)) (range 1 4)) (range 1 N).

(** TFLite: kernel <= 6, stride <= 4, SAME and VALID. *)
Definition tflite_rows (N : Z) : list (list Z) :=
  flat_map (fun n => flat_map (fun k => flat_map (fun s => flat_map (fun pad =>
    geometry_rows [tag_tflite; n; k; s; match pad with tf_same => 1 | tf_valid => 0 end] n
      (tflite_geometry n (mk_tflite k s pad)))
    [tf_valid; tf_same]) (range 1 4)) (range 1 6)) (range 1 N).

(** closed_form.h closed_form_branch order. *)
Definition branch_code (b : branch) : Z :=
  match b with
  | divisible => 0 | remainder_one => 1 | remainder_minus => 2 | none => 3 | input_one => 4
  end.

Definition kind_code (kind : pool_kind) : Z := match kind with avg => 0 | max => 1 end.

Definition family_code (family : pool_family) : Z :=
  match family with pytorch => 0 | onnx => 1 | tflite => 2 end.

(** geometry_mismatch is none, as a boolean. *)
Definition reproducesb (n m : Z) (g : pool_geometry) (kind : pool_kind) : bool :=
  (g_count g =? m) && forallb (output_matches n m g kind) (range 0 (m - 1)).

(** A layer's parameters, in the family's own fields. *)
Definition layer_fields (w : family_params) : list Z :=
  match w with
  | pytorch_layer p =>
      [pt_kernel p; pt_stride p; pt_padding p; pt_dilation p; b2z (pt_ceil_mode p);
       b2z (pt_count_include_pad p)]
  | onnx_layer p =>
      [ox_kernel p; ox_stride p; ox_pad_begin p; ox_pad_end p; ox_dilation p;
       auto_pad_index (ox_auto_pad p); b2z (ox_ceil_mode p); b2z (ox_count_include_pad p)]
  | tflite_layer p =>
      [tf_kernel p; tf_stride p; match tf_padding p with tf_same => 1 | tf_valid => 0 end]
  end.

(** The witness's parameters, and whether the reference's windows match it (0/1). *)
Definition witness_row (n m : Z) (kind : pool_kind) (w : family_params) : list Z :=
  layer_fields w ++
  [b2z (match w with
        | pytorch_layer p => reproducesb n m (pytorch_geometry n p) kind
        | onnx_layer p => reproducesb n m (onnx_geometry n p kind) kind
        | tflite_layer p => reproducesb n m (tflite_geometry n p) kind
        end)].

(** closed family kind n m branch witness... *)
Definition closed_rows (N : Z) : list (list Z) :=
  flat_map (fun family => flat_map (fun kind => flat_map (fun n => map (fun m =>
    let (b, w) := family_closed_form n m family kind in
    [tag_closed; family_code family; kind_code kind; n; m; branch_code b] ++
    match w with Some p => witness_row n m kind p | None => [] end)
    (range 1 N)) (range 1 N)) [avg; max]) [pytorch; onnx; tflite].

(** N-D: every pair of axes n1 -> m1, n2 -> m2 with sizes <= N, each equivalent alone: the
    answer of nd_closed_form (0: not equivalent; 1 and the flags, -1 for a free one, else 0/1
    or auto_pad's index, then each axis's layer under them, nd_axis_witness). *)
Definition opt_code {A} (f : A -> Z) (o : option A) : Z :=
  match o with Some x => f x | None => -1 end.

Definition nd_row (family : pool_family) (kind : pool_kind) (axes : list (Z * Z)) : list Z :=
  match nd_closed_form family kind axes with
  | nd_not_equivalent => [0]
  | nd_equivalent None => [1]
  | nd_equivalent (Some f) =>
      [1; opt_code b2z (sf_ceil_mode f); opt_code b2z (sf_count_include_pad f);
       opt_code auto_pad_index (sf_auto_pad f)] ++
      flat_map (fun a => match nd_axis_witness family kind f (fst a) (snd a) with
                         | Some w => layer_fields w
                         | None => [-1]
                         end) axes
  end.

Definition nd_rows (families : list pool_family) (kinds : list pool_kind) (N least_m : Z)
  : list (list Z) :=
  flat_map (fun family => flat_map (fun kind =>
    let alone n m := negb (branch_is (family_branch family kind n m) [none]) in
    flat_map (fun n1 => flat_map (fun m1 => flat_map (fun n2 => flat_map (fun m2 =>
      if alone n1 m1 && alone n2 m2 then
        [[tag_nd; family_code family; kind_code kind; n1; m1; n2; m2] ++
         nd_row family kind [(n1, m1); (n2, m2)]]
      else [])
    (range least_m N)) (range 1 N)) (range least_m N)) (range 1 N)) kinds) families.

(** The whole table: windows, geometries and closed forms for sizes <= 32; N-D pairs of sizes
    <= 4 for every family and kind, and TFLite's pairs up to 7 with m >= 3, where VALID and
    SAME part ways (7 -> 3 needs VALID, 5 -> 3 SAME). *)
Definition bridge_table : list (list Z) :=
  window_rows 32 ++ pytorch_rows 32 ++ onnx_rows 32 ++ tflite_rows 32 ++ closed_rows 32 ++
  nd_rows [pytorch; onnx; tflite] [avg; max] 4 1 ++ nd_rows [tflite] [avg] 7 3.
