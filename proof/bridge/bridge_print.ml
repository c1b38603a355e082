(* Prints the table extracted from Bridge.v: one row per line, its tag as a word, then the
   numbers in decimal. Only the printing is OCaml's; every number is computed by the extracted
   Coq definitions, on Coq's own binary integers. *)
let rec int_of_positive = function
  | Bridge.XH -> 1
  | Bridge.XO p -> 2 * int_of_positive p
  | Bridge.XI p -> (2 * int_of_positive p) + 1

let int_of_z = function
  | Bridge.Z0 -> 0
  | Bridge.Zpos p -> int_of_positive p
  | Bridge.Zneg p -> -int_of_positive p

let rec to_list = function Bridge.Nil -> [] | Bridge.Cons (x, rest) -> x :: to_list rest

let tag_name = function
  | 1 -> "window"
  | 2 -> "pytorch"
  | 3 -> "out"
  | 4 -> "onnx"
  | 5 -> "tflite"
  | 6 -> "closed"
  | 7 -> "nd"
  | tag -> "tag" ^ string_of_int tag

let print_row row =
  match List.map int_of_z (to_list row) with
  | tag :: numbers ->
      print_string (String.concat " " (tag_name tag :: List.map string_of_int numbers));
      print_char '\n'
  | [] -> ()

let () = List.iter print_row (to_list Bridge.bridge_table)
