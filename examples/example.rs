fn main() {
    let answer: i32 = 42;
}
