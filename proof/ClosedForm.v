(* The tool's answer, mirroring solver/closed_form.cc (the branch and witness per family) and
   solver/z3_family.cc (preference_values: the order in which the witness is the least). *)
From Coq Require Import ZArith Lia List Bool.
From Poolproof Require Import Zfacts Semantics Necessity.
Import ListNotations.
Open Scope Z_scope.

(** closed_form.h closed_form_branch. *)
Inductive branch := divisible | remainder_one | remainder_minus | none | input_one.

(** family.h: the three families and a layer of any of them. *)
Inductive pool_family := pytorch | onnx | tflite.

Inductive family_params :=
  | pytorch_layer (p : pytorch_params)
  | onnx_layer (p : onnx_params)
  | tflite_layer (p : tflite_params).

(** closed_form.cc layer(): dilation 1, ceil_mode false. *)
Definition pt_layer (k s p : Z) (count_include_pad : bool) : pytorch_params :=
  mk_pytorch k s p 1 false count_include_pad.

(** closed_form(n, m, kind), PyTorch. C++ `%` and `/` on positive operands are Z.modulo and
    Z.div. *)
Definition closed_form (n m : Z) (kind : pool_kind) : branch * option pytorch_params :=
  if n mod m =? 0 then
    (divisible, Some (pt_layer (n / m) (if m =? 1 then 1 else n / m) 0 true))
  else if (m <? n) && (n mod m =? 1) then
    (remainder_one, Some (pt_layer (n / m + 1) (n / m) 0 true))
  else if n mod m =? m - 1 then
    let s := n / m + 1 in
    (remainder_minus,
     Some (pt_layer (s + 1) s 1 (match kind with max => true | avg => false end)))
  else (none, None).

(** closed_form.cc onnx_layer(): NOTSET, dilation 1, count_include_pad 0. *)
Definition ox_layer (k s b e : Z) (ceil_mode : bool) : onnx_params :=
  mk_onnx k s b e 1 notset ceil_mode false.

(** onnx_closed_form. *)
Definition onnx_closed_form (n m : Z) (kind : pool_kind) : branch * option onnx_params :=
  match closed_form n m kind with
  | (none, _) | (_, None) =>
      if n =? 1 then (input_one, Some (ox_layer m 1 (m - 1) (m - 1) false)) else (none, None)
  | (b, Some p) =>
      match b with
      | remainder_minus =>
          let q_is_one := pt_stride p =? 1 in
          (b, Some (ox_layer (pt_kernel p) (pt_stride p) 1 (if q_is_one then 1 else 0)
                      (negb q_is_one)))
      | _ => (b, Some (ox_layer (pt_kernel p) (pt_stride p) 0 0 false))
      end
  end.

(** tflite_closed_form. *)
Definition tflite_closed_form (n m : Z) (kind : pool_kind) : branch * option tflite_params :=
  match closed_form n m kind with
  | (none, _) | (_, None) => (none, None)
  | (b, Some p) =>
      if n <? m then (none, None)
      else (b, Some (mk_tflite (pt_kernel p) (pt_stride p)
                       (match b with remainder_minus => tf_same | _ => tf_valid end)))
  end.

(** closed_form(n, m, family, kind). *)
Definition family_closed_form (n m : Z) (family : pool_family) (kind : pool_kind)
  : branch * option family_params :=
  match family with
  | pytorch => let (b, w) := closed_form n m kind in (b, option_map pytorch_layer w)
  | onnx => let (b, w) := onnx_closed_form n m kind in (b, option_map onnx_layer w)
  | tflite => let (b, w) := tflite_closed_form n m kind in (b, option_map tflite_layer w)
  end.

(** * The preference order (z3_family.cc preference_order / preference_values) *)

Definition b2z (b : bool) : Z := if b then 1 else 0.

(** PyTorch: kernel, stride, padding, ceil_mode, then dilation (max) or "not counting the
    padding" (avg: PyTorch's default, counting it, first). *)
Definition pytorch_preference (kind : pool_kind) (p : pytorch_params) : list Z :=
  [pt_kernel p; pt_stride p; pt_padding p; b2z (pt_ceil_mode p);
   match kind with max => pt_dilation p | avg => b2z (negb (pt_count_include_pad p)) end].

(** ONNX: kernel, stride, the pads its geometry has, ceil_mode, auto_pad (NOTSET first), then
    dilation (max) or count_include_pad (avg: ONNX's default, 0, first). *)
Definition onnx_preference (n : Z) (kind : pool_kind) (p : onnx_params) : list Z :=
  let g := onnx_geometry n p kind in
  [ox_kernel p; ox_stride p; g_pad_begin g; g_pad_end g; b2z (ox_ceil_mode p);
   auto_pad_index (ox_auto_pad p);
   match kind with max => ox_dilation p | avg => b2z (ox_count_include_pad p) end].

(** TFLite: kernel, stride, then VALID (TF's default) before SAME. *)
Definition tflite_preference (p : tflite_params) : list Z :=
  [tf_kernel p; tf_stride p; match tf_padding p with tf_same => 1 | tf_valid => 0 end].

(** Lexicographic order on preference vectors: the solver minimizes one objective at a time. *)
Fixpoint lex_le (a b : list Z) : Prop :=
  match a, b with
  | [], _ => True
  | _ :: _, [] => False
  | x :: a', y :: b' => x < y \/ (x = y /\ lex_le a' b')
  end.

Lemma lex_le_refl (a : list Z) : lex_le a a.
Proof. induction a; cbn; auto. Qed.

(** A vector whose every entry is at most the other's comes first. *)
Lemma lex_le_pointwise (a b : list Z) :
  length a = length b -> Forall2 Z.le a b -> lex_le a b.
Proof.
  intros _ H. induction H; cbn; auto.
  destruct (Z.lt_ge_cases x y); [left; lia | right; split; [lia | auto]].
Qed.

Lemma lex_le_trans (a b c : list Z) : lex_le a b -> lex_le b c -> lex_le a c.
Proof.
  revert b c. induction a as [|x a IH]; intros [|y b] [|z c]; cbn; try tauto.
  intros [H1 | [-> H1]] [H2 | [-> H2]].
  - left; lia.
  - left; lia.
  - left; lia.
  - right; split; eauto.
Qed.

(** * What the branch is *)

Lemma closed_form_none (n m : Z) (kind : pool_kind) :
  1 <= m -> fst (closed_form n m kind) = none <-> ~ branch_holds n m.
Proof.
  intros Hm. unfold closed_form, branch_holds.
  destruct (Z.eqb_spec (n mod m) 0);
    [|destruct (Z.ltb_spec m n), (Z.eqb_spec (n mod m) 1);
      try destruct (Z.eqb_spec (n mod m) (m - 1))]; cbn;
    first [ split; [discriminate | intros Hn; exfalso; apply Hn; lia]
          | split; [intros _ [Hb | [Hb | Hb]]; lia | auto] ].
Qed.

(** The three branches, with n written through the witness's stride. *)
Lemma closed_form_cases (n m : Z) (kind : pool_kind) (b : branch) (w : pytorch_params) :
  1 <= n -> 1 <= m -> closed_form n m kind = (b, Some w) ->
  (b = divisible /\ n = (n / m) * m /\ 1 <= n / m /\
   w = pt_layer (n / m) (if m =? 1 then 1 else n / m) 0 true) \/
  (b = remainder_one /\ n mod m <> 0 /\ 2 <= m /\ n = (n / m) * m + 1 /\ 1 <= n / m /\
   w = pt_layer (n / m + 1) (n / m) 0 true) \/
  (b = remainder_minus /\ n mod m <> 0 /\ ~ (m < n /\ n mod m = 1) /\ 2 <= m /\
   n = (n / m + 1) * m - 1 /\
   w = pt_layer (n / m + 2) (n / m + 1) 1 (match kind with max => true | avg => false end)).
Proof.
  intros Hn Hm H. pose proof (Z.div_mod n m ltac:(lia)). pose proof (Z.mod_pos_bound n m ltac:(lia)).
  unfold closed_form in H.
  destruct (Z.eqb_spec (n mod m) 0).
  - injection H as <- <-. left. repeat split; try nia.
    all: assert (0 < n / m) by nia; lia.
  - destruct (Z.ltb_spec m n), (Z.eqb_spec (n mod m) 1); cbn in H.
    + injection H as <- <-. right; left. repeat split; try nia.
      all: assert (m <> 1) by (intros ->; rewrite Z.mod_1_r in *; lia); lia.
    + destruct (Z.eqb_spec (n mod m) (m - 1)); [|discriminate].
      injection H as <- <-. right; right. repeat split; try lia.
      all: first [ assert (m <> 1) by (intros ->; rewrite Z.mod_1_r in *; lia); lia
                 | nia | f_equal; lia ].
    + destruct (Z.eqb_spec (n mod m) (m - 1)); [|discriminate].
      injection H as <- <-. right; right. repeat split; try lia.
      all: first [ assert (m <> 1) by (intros ->; rewrite Z.mod_1_r in *; lia); lia
                 | nia | f_equal; lia ].
    + destruct (Z.eqb_spec (n mod m) (m - 1)); [|discriminate].
      injection H as <- <-. right; right. repeat split; try lia.
      all: first [ assert (m <> 1) by (intros ->; rewrite Z.mod_1_r in *; lia); lia
                 | nia | f_equal; lia ].
Qed.

(** The branch does not depend on the kind, and a witness comes with every branch but none. *)
Lemma closed_form_some (n m : Z) (kind : pool_kind) :
  fst (closed_form n m kind) <> none <-> exists b w, closed_form n m kind = (b, Some w).
Proof.
  unfold closed_form. destruct_ifs; cbn;
    first [ split; [intros; solve [eauto] | intros [b [w H]]; congruence]
          | split; [intros H; now contradiction H | intros [b [w H]]; discriminate] ].
Qed.

Lemma closed_form_branch_kind (n m : Z) (k1 k2 : pool_kind) :
  fst (closed_form n m k1) = fst (closed_form n m k2).
Proof. unfold closed_form. now destruct_ifs. Qed.

Lemma closed_form_not_input_one (n m : Z) (kind : pool_kind) :
  fst (closed_form n m kind) <> input_one.
Proof.
  unfold closed_form. destruct_ifs; cbn; try discriminate.
Qed.

Lemma closed_form_shape (n m : Z) (kind : pool_kind) :
  closed_form n m kind = (none, None) \/
  exists b w, b <> none /\ closed_form n m kind = (b, Some w).
Proof.
  unfold closed_form. destruct_ifs; auto; right; eexists _, _; split; eauto; discriminate.
Qed.
