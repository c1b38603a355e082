(* The adaptive windows of each branch of the theorem, in closed form. *)
From Coq Require Import ZArith Lia.
From Poolproof Require Import Zfacts Semantics.
Open Scope Z_scope.

Lemma start_index_eq (i n m y : Z) : 0 < m -> m * y <= i * n < m * y + m -> start_index i n m = y.
Proof. intros. now apply div_eq. Qed.

Lemma end_index_eq (i n m y : Z) :
  0 < m -> m * y - m < (i + 1) * n <= m * y -> end_index i n m = y.
Proof. intros. apply div_eq; lia. Qed.

Lemma start_index_bounds (i n m : Z) :
  0 < m -> m * start_index i n m <= i * n < m * start_index i n m + m.
Proof. intros. now apply div_bounds. Qed.

Lemma end_index_bounds (i n m : Z) :
  0 < m -> m * end_index i n m - m < (i + 1) * n <= m * end_index i n m.
Proof. intros. unfold end_index. pose proof (div_bounds ((i + 1) * n + m - 1) m H). lia. Qed.

Lemma start_index_first (n m : Z) : 0 < m -> start_index 0 n m = 0.
Proof. intros. apply start_index_eq; lia. Qed.

Lemma end_index_last (n m : Z) : 0 < m -> end_index (m - 1) n m = n.
Proof. intros. apply end_index_eq; nia. Qed.

(** Every adaptive window is nonempty and lies in [0, n). *)
Lemma adaptive_window_bounds (n m o : Z) :
  1 <= n -> 1 <= m -> 0 <= o < m ->
  0 <= start_index o n m < end_index o n m /\ end_index o n m <= n.
Proof.
  intros Hn Hm Ho.
  pose proof (start_index_bounds o n m ltac:(lia)).
  pose proof (end_index_bounds o n m ltac:(lia)).
  set (a := start_index o n m) in *. set (b := end_index o n m) in *.
  split; [split|].
  - nia.
  - nia.
  - assert (m * b < m * n + m) by nia. nia.
Qed.

(** m divides n, n = q*m: window o is [o*q, (o+1)*q). *)
Lemma windows_divisible (q m o : Z) :
  1 <= m -> 0 <= o ->
  start_index o (q * m) m = o * q /\ end_index o (q * m) m = (o + 1) * q.
Proof. intros. split; [apply start_index_eq | apply end_index_eq]; nia. Qed.

(** n = q*m + 1: window o < m is [o*q, (o+1)*q + 1). *)
Lemma windows_remainder_one (q m o : Z) :
  1 <= m -> 0 <= o < m ->
  start_index o (q * m + 1) m = o * q /\ end_index o (q * m + 1) m = (o + 1) * q + 1.
Proof. intros. split; [apply start_index_eq | apply end_index_eq]; nia. Qed.

(** n = Q*m - 1: window o starts at o*Q - 1 for 1 <= o <= m, and ends at (o+1)*Q for o + 1 < m. *)
Lemma start_remainder_minus (q m o : Z) :
  1 <= m -> 1 <= o <= m -> start_index o (q * m - 1) m = o * q - 1.
Proof. intros. apply start_index_eq; nia. Qed.

Lemma end_remainder_minus (q m o : Z) :
  1 <= m -> 0 <= o -> o + 1 < m -> end_index o (q * m - 1) m = (o + 1) * q.
Proof. intros. apply end_index_eq; nia. Qed.

(** n = 1: every window is [0, 1). *)
Lemma windows_input_one (m o : Z) :
  1 <= m -> 0 <= o < m -> start_index o 1 m = 0 /\ end_index o 1 m = 1.
Proof. intros. split; [apply start_index_eq | apply end_index_eq]; nia. Qed.
