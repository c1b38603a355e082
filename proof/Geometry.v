(* What a geometry's index progressions are, and what matching an adaptive window forces on
   them: the windows of a geometry without dilation are [max(x0, 0), min(x0 + k, n)). *)
From Coq Require Import ZArith Lia Bool.
From Poolproof Require Import Zfacts Semantics Windows.
Open Scope Z_scope.

(** The first tap of output o: x0 = o*s - pad_begin. *)
Definition first_tap (g : pool_geometry) (o : Z) : Z := o * g_stride g - g_pad_begin g.

(** Any dilation: at most k inputs, the first one at or right of x0 and a whole number of
    dilation steps from it, and exactly x0 when x0 >= 0 or when k = 1. *)
Lemma indices_facts (n : Z) (g : pool_geometry) (o : Z) :
  1 <= g_dilation g -> 1 <= g_kernel g ->
  let p := geometry_indices n g o in
  p_step p = g_dilation g /\ 0 <= p_count p <= g_kernel g /\
  (0 < p_count p ->
   first_tap g o <= p_first p /\ 0 <= p_first p /\ p_first p <= n - 1 /\
   (0 <= first_tap g o -> p_first p = first_tap g o) /\
   (exists t, p_first p = first_tap g o + t * g_dilation g) /\
   (g_kernel g = 1 -> p_first p = first_tap g o)).
Proof.
  intros Hd Hk. unfold geometry_indices, first_tap. cbn zeta.
  set (d := g_dilation g) in *. set (k := g_kernel g) in *.
  set (x0 := o * g_stride g - g_pad_begin g).
  set (first := if x0 <? 0 then x0 + ceil_div (- x0) d * d else x0).
  assert (Hf : x0 <= first /\ 0 <= first /\ (0 <= x0 -> first = x0) /\
               exists t, first = x0 + t * d).
  { subst first. destruct (Z.ltb_spec x0 0).
    - pose proof (ceil_bounds (- x0) d ltac:(lia)).
      repeat split; try nia. eauto.
    - repeat split; try lia. exists 0. lia. }
  set (last := Z.min (x0 + (k - 1) * d) (n - 1)).
  destruct (Z.ltb_spec last first) as [Hl | Hl]; cbn.
  - repeat split; lia.
  - pose proof (div_bounds (last - first) d ltac:(lia)) as Hq.
    set (c := (last - first) / d) in *.
    assert (Hc : c <= k - 1).
    { assert (d * c <= (k - 1) * d) by lia. nia. }
    assert (c >= 0) by nia.
    destruct (Z.eqb_spec (c + 1) 0); [lia|].
    repeat split; try lia; try apply Hf.
Qed.

(** Without dilation: the window [max(x0, 0), min(x0 + k, n)). *)
Lemma indices_undilated (n : Z) (g : pool_geometry) (o : Z) :
  g_dilation g = 1 -> 1 <= g_kernel g ->
  let p := geometry_indices n g o in
  let x0 := first_tap g o in
  p_step p = 1 /\ p_count p = Z.max 0 (Z.min (x0 + g_kernel g) n - Z.max x0 0) /\
  (0 < p_count p -> p_first p = Z.max x0 0).
Proof.
  intros Hd Hk. unfold geometry_indices, first_tap. cbn zeta. rewrite Hd, ceil_div_1.
  rewrite !Z.mul_1_r. destruct_ifs; cbn; rewrite ?Z.div_1_r in *; repeat split; try lia.
Qed.

(** What matching a nonempty window [a, b) says about the progression. *)
Lemma same_indices_true (p : progression) (w : window) :
  0 < w_length w -> same_indices p w = true ->
  p_count p = w_length w /\ p_first p = w_begin w /\ (p_count p = 1 \/ p_step p = 1).
Proof.
  unfold same_indices. intros Hw H.
  apply andb_prop in H as [H1 H2]. apply Z.eqb_eq in H1.
  apply orb_prop in H2 as [H2 | H2]; [apply Z.eqb_eq in H2; lia|].
  apply andb_prop in H2 as [H2 H3]. apply Z.eqb_eq in H2.
  apply orb_prop in H3 as [H3 | H3]; apply Z.eqb_eq in H3; auto.
Qed.

Lemma output_matches_indices (n m : Z) (g : pool_geometry) (kind : pool_kind) (o : Z) :
  1 <= n -> 1 <= m -> 0 <= o < m -> output_matches n m g kind o = true ->
  let p := geometry_indices n g o in
  p_count p = end_index o n m - start_index o n m /\ p_first p = start_index o n m /\
  (p_count p = 1 \/ p_step p = 1).
Proof.
  intros Hn Hm Ho H. unfold output_matches in H.
  apply andb_prop in H as [H _].
  apply same_indices_true in H; [exact H|].
  pose proof (adaptive_window_bounds n m o Hn Hm Ho). unfold w_length; cbn; lia.
Qed.

Lemma output_matches_divisor (n m : Z) (g : pool_geometry) (o : Z) :
  output_matches n m g avg o = true ->
  geometry_avg_divisor n g o = end_index o n m - start_index o n m.
Proof.
  unfold output_matches. intros H. apply andb_prop in H as [_ H]. now apply Z.eqb_eq in H.
Qed.

(** The window equations of a geometry with kernel k, stride s, pad_begin pb: output o reads
    [max(o*s - pb, 0), min(o*s - pb + k, n)), the adaptive window o. *)
Definition fits (n m k s pb : Z) : Prop :=
  forall o, 0 <= o < m ->
    Z.max (o * s - pb) 0 = start_index o n m /\ Z.min (o * s - pb + k) n = end_index o n m.

(** A matching geometry fits its windows when it has no dilation or a kernel of one. *)
Lemma reproduces_fits (n m : Z) (g : pool_geometry) (kind : pool_kind) :
  1 <= n -> 1 <= m -> 1 <= g_kernel g -> 1 <= g_dilation g ->
  (g_dilation g = 1 \/ g_kernel g = 1) ->
  reproduces n m g kind -> fits n m (g_kernel g) (g_stride g) (g_pad_begin g).
Proof.
  intros Hn Hm Hk Hd Hcase [_ H] o Ho.
  pose proof (H o Ho) as Ho'. apply output_matches_indices in Ho' as (Hc & Hf & _); try lia.
  pose proof (adaptive_window_bounds n m o Hn Hm Ho) as Hw.
  destruct Hcase as [H1 | H1].
  - pose proof (indices_undilated n g o H1 Hk) as (_ & Hc' & Hf').
    unfold first_tap in *. lia.
  - pose proof (indices_facts n g o Hd Hk) as (_ & Hc' & Hf').
    specialize (Hf' ltac:(lia)) as (_ & _ & _ & _ & _ & Hk1).
    specialize (Hk1 H1). unfold first_tap in *. lia.
Qed.

(** Conversely, without dilation, fitting windows match their index sets. *)
Lemma fits_same_indices (n m : Z) (g : pool_geometry) (o : Z) :
  1 <= n -> 1 <= m -> 0 <= o < m -> g_dilation g = 1 -> 1 <= g_kernel g ->
  fits n m (g_kernel g) (g_stride g) (g_pad_begin g) ->
  same_indices (geometry_indices n g o) (adaptive_window n m o) = true /\
  p_count (geometry_indices n g o) = end_index o n m - start_index o n m.
Proof.
  intros Hn Hm Ho Hd Hk Hfit.
  pose proof (adaptive_window_bounds n m o Hn Hm Ho).
  pose proof (indices_undilated n g o Hd Hk) as (Hs & Hc & Hf). cbn zeta in *.
  specialize (Hfit o Ho) as [Ha Hb]. unfold first_tap in *.
  destruct (geometry_indices n g o) as [f c st]; cbn in *.
  split; [|lia]. unfold same_indices, w_length; cbn.
  apply andb_true_intro; split; [apply Z.eqb_eq; lia|].
  apply orb_true_intro; right. apply andb_true_intro; split; [apply Z.eqb_eq; lia|].
  apply orb_true_intro; right; apply Z.eqb_eq; lia.
Qed.

(** Without dilation, m outputs that fit reproduce max pooling, and avg pooling when each
    divisor is the window's length. *)
Lemma fits_reproduces (n m : Z) (g : pool_geometry) (kind : pool_kind) :
  1 <= n -> 1 <= m -> g_dilation g = 1 -> 1 <= g_kernel g -> g_count g = m ->
  fits n m (g_kernel g) (g_stride g) (g_pad_begin g) ->
  (kind = avg -> forall o, 0 <= o < m ->
     geometry_avg_divisor n g o = end_index o n m - start_index o n m) ->
  reproduces n m g kind.
Proof.
  intros Hn Hm Hd Hk Hc Hfit Hdiv. split; [exact Hc|]. intros o Ho.
  pose proof (fits_same_indices n m g o Hn Hm Ho Hd Hk Hfit) as [Hsame _].
  unfold output_matches. rewrite Hsame. destruct kind; [|reflexivity].
  cbn. apply Z.eqb_eq. unfold w_length. cbn. now apply Hdiv.
Qed.

(** Counting only the inputs read, the divisor is the window's length. *)
Lemma divisor_unpadded (n m : Z) (g : pool_geometry) (o : Z) :
  1 <= n -> 1 <= m -> 0 <= o < m -> g_dilation g = 1 -> 1 <= g_kernel g ->
  g_divide_by_padded g = false -> fits n m (g_kernel g) (g_stride g) (g_pad_begin g) ->
  geometry_avg_divisor n g o = end_index o n m - start_index o n m.
Proof.
  intros Hn Hm Ho Hd Hk Hp Hfit. unfold geometry_avg_divisor. rewrite Hp.
  now apply fits_same_indices.
Qed.
