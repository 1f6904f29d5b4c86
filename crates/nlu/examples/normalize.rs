//! Prints the normalised form of each line of standard input (development aid).

use std::io::BufRead;

fn main() {
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        println!("{}\t{}", line, nlu::normalize(&line).text());
    }
}
