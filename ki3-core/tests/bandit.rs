//! Validation of the Thompson-sampling bandits: closed forms, simulation with known truth,
//! discounting, top-two, merge, persistence, delayed feedback, replay evaluation, bad input.

use ki3_core::Ki3Error;
use ki3_core::bandit::*;
use ki3_core::numerics::linalg::{cholesky_in_place, cholesky_solve_in_place};
use ki3_core::numerics::special::{beta_inc, ln_beta, student_t_inv};
use ndarray::Array2;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Normal, StandardNormal};
use serde_json::Value;

type Rng = rand_pcg::Pcg64Mcg;

fn rel_close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-300)
}

// ---------------------------------------------------------------------------------------------
// Conjugate updates against closed forms

#[test]
fn beta_posterior_matches_closed_form() {
    let mut ts = BernoulliTsParams::default()
        .prior(2.0, 3.0)
        .build(2)
        .unwrap();
    let rewards = [1.0, 0.0, 1.0, 0.25, 1.0, 0.5];
    for &r in &rewards {
        ts.update(0, r).unwrap();
    }
    let s: f64 = rewards.iter().sum();
    let post = ts.posterior(0).unwrap();
    assert_eq!(post.alpha, 2.0 + s);
    assert_eq!(post.beta, 3.0 + rewards.len() as f64 - s);
    let st = ts.stats(0).unwrap();
    assert_eq!(st.n, 6.0);
    assert_eq!(st.successes.value(), s);
    assert_eq!(
        ts.posterior(1).unwrap(),
        BetaPosterior {
            alpha: 2.0,
            beta: 3.0
        }
    );

    // Only successes from a uniform prior: posterior Beta(1 + s, 1), quantile q^(1/(1+s)).
    let mut ts = BernoulliTsParams::default().build(1).unwrap();
    ts.update_batch(&[0; 9], &[1.0; 9]).unwrap();
    let sum = &ts.summary(0.9).unwrap()[0];
    assert!(rel_close(sum.mean, 10.0 / 11.0, 1e-15));
    assert!(
        rel_close(sum.lower, 0.05f64.powf(0.1), 1e-13),
        "{}",
        sum.lower
    );
    assert!(
        rel_close(sum.upper, 0.95f64.powf(0.1), 1e-13),
        "{}",
        sum.upper
    );
    assert_eq!(sum.n, 9.0);

    // General case: the endpoints are the 2.5% / 97.5% points of the Beta posterior.
    let mut ts = BernoulliTsParams::default().build(1).unwrap();
    ts.update_batch(&[0; 5], &[1.0, 0.0, 0.0, 1.0, 0.0])
        .unwrap();
    let sum = &ts.summary(0.95).unwrap()[0];
    assert!((beta_inc(sum.lower, 3.0, 4.0).unwrap() - 0.025).abs() < 1e-13);
    assert!((beta_inc(sum.upper, 3.0, 4.0).unwrap() - 0.975).abs() < 1e-13);
}

#[test]
fn beta_credible_intervals_cover_at_the_nominal_rate() {
    // Bayesian calibration: p drawn from the Beta(1, 1) prior, 20 Bernoulli(p) rewards, the 90%
    // central interval covers p with probability exactly 0.9.
    let mut rng = Rng::seed_from_u64(11);
    let reps = 2000;
    let mut covered = 0;
    for _ in 0..reps {
        let p: f64 = rng.random();
        let mut ts = BernoulliTsParams::default().build(1).unwrap();
        for _ in 0..20 {
            let u: f64 = rng.random();
            ts.update(0, if u < p { 1.0 } else { 0.0 }).unwrap();
        }
        let s = &ts.summary(0.9).unwrap()[0];
        if s.lower <= p && p <= s.upper {
            covered += 1;
        }
    }
    let rate = covered as f64 / reps as f64;
    // Standard error sqrt(0.09 / 2000) = 0.0067.
    assert!((rate - 0.9).abs() < 0.025, "coverage {rate}");
}

#[test]
fn nig_posterior_matches_hand_derived_values() {
    // Prior (μ₀, κ₀, α₀, β₀) = (0, 1, 1, 1), data 1, 2, 3, 4:
    // κ = 5, μ = 10 / 5 = 2, α = 1 + 4/2 = 3,
    // β = 1 + ½ Σ(x − x̄)² + κ₀ n (x̄ − μ₀)² / (2κ) = 1 + 2.5 + 1·4·6.25/10 = 6.
    let mut ts = GaussianTsParams::default().build(2).unwrap();
    ts.update_batch(&[0, 0, 0, 0], &[1.0, 2.0, 3.0, 4.0])
        .unwrap();
    let p = ts.posterior(0).unwrap();
    assert!(rel_close(p.kappa, 5.0, 1e-15));
    assert!(rel_close(p.mean, 2.0, 1e-15));
    assert!(rel_close(p.alpha, 3.0, 1e-15));
    assert!(rel_close(p.beta, 6.0, 1e-15), "{}", p.beta);

    // Prior mean 1.5: μ = 1.5 + 4/5 = 2.3; β = 1 + 2.5 + 1·4·(2.5 − 1.5)²/10 = 3.9.
    let mut ts = GaussianTsParams::default()
        .prior(1.5, 1.0, 1.0, 1.0)
        .build(1)
        .unwrap();
    ts.update_batch(&[0, 0, 0, 0], &[1.0, 2.0, 3.0, 4.0])
        .unwrap();
    let p = ts.posterior(0).unwrap();
    assert!(rel_close(p.mean, 2.3, 1e-15));
    assert!(rel_close(p.beta, 3.9, 1e-14), "{}", p.beta);
    // Credible interval: Student-t with 2α = 6 dof, scale √(β / (α κ)).
    let s = &ts.summary(0.95).unwrap()[0];
    let half = student_t_inv(0.975, 6.0).unwrap() * (3.9f64 / 15.0).sqrt();
    assert!(rel_close(s.lower, 2.3 - half, 1e-13));
    assert!(rel_close(s.upper, 2.3 + half, 1e-13));
    // κ₀ = 2: κ = 6, μ = (2·1.5 + 10)/6.
    let mut ts = GaussianTsParams::default()
        .prior(1.5, 2.0, 0.5, 2.0)
        .build(1)
        .unwrap();
    ts.update_batch(&[0, 0, 0, 0], &[1.0, 2.0, 3.0, 4.0])
        .unwrap();
    let p = ts.posterior(0).unwrap();
    assert!(rel_close(p.mean, 13.0 / 6.0, 1e-15));
    // β = 2 + 2.5 + 2·4·(1)²/(2·6) = 5.1666…
    assert!(rel_close(p.beta, 2.0 + 2.5 + 8.0 / 12.0, 1e-14));
    assert!(rel_close(p.alpha, 2.5, 1e-15));
}

#[test]
fn gaussian_ts_recovers_means_and_intervals_cover() {
    let means = [1.0, 2.5, -0.5];
    let sds = [1.0, 0.5, 2.0];
    let mut ts = GaussianTsParams::default().build(3).unwrap();
    let mut rng = Rng::seed_from_u64(5);
    let n = 2000;
    for _ in 0..n {
        for a in 0..3 {
            let x = Normal::new(means[a], sds[a]).unwrap().sample(&mut rng);
            ts.update(a, x).unwrap();
        }
    }
    for a in 0..3 {
        let p = ts.posterior(a).unwrap();
        let se = sds[a] / (n as f64).sqrt();
        assert!((p.mean - means[a]).abs() < 4.0 * se, "arm {a}: {}", p.mean);
        // Posterior mean of σ² is β / (α − 1).
        let var = p.beta / (p.alpha - 1.0);
        assert!(
            (var / (sds[a] * sds[a]) - 1.0).abs() < 0.1,
            "arm {a}: {var}"
        );
    }
    // Thompson sampling finds the best arm.
    let mut rng = Rng::seed_from_u64(6);
    let mut ts = GaussianTsParams::default().seed(3).build(3).unwrap();
    let mut best = 0;
    for t in 0..3000 {
        let a = ts.choose(None).unwrap();
        if t >= 2000 && a == 1 {
            best += 1;
        }
        ts.update(a, Normal::new(means[a], sds[a]).unwrap().sample(&mut rng))
            .unwrap();
    }
    assert!(best > 900, "best arm played {best} / 1000");

    // Frequentist coverage of the 90% interval under a vague prior: about 90% across seeds.
    let reps = 1000;
    let mut covered = 0;
    for rep in 0..reps {
        let mut rng = Rng::seed_from_u64(1000 + rep);
        let mut ts = GaussianTsParams::default()
            .prior(0.0, 1e-6, 1e-3, 1e-3)
            .build(1)
            .unwrap();
        for _ in 0..30 {
            ts.update(0, Normal::new(3.0, 2.0).unwrap().sample(&mut rng))
                .unwrap();
        }
        let s = &ts.summary(0.9).unwrap()[0];
        if s.lower <= 3.0 && 3.0 <= s.upper {
            covered += 1;
        }
    }
    let rate = covered as f64 / reps as f64;
    assert!((rate - 0.9).abs() < 0.03, "coverage {rate}");
}

// ---------------------------------------------------------------------------------------------
// Simulation with known truth

const RATES: [f64; 5] = [0.05, 0.0625, 0.075, 0.0875, 0.10];

#[test]
fn thompson_regret_is_well_below_uniform() {
    let env = BernoulliEnv::new(RATES.to_vec());
    let (mut ts_total, mut uniform_total, mut uniform_sim_total) = (0.0, 0.0, 0.0);
    for seed in 0..5 {
        let mut ts = BernoulliTsParams::default().seed(seed).build(5).unwrap();
        let sim = simulate_bernoulli(&mut ts, &env, 10_000, 100 + seed).unwrap();
        assert_eq!(sim.regret.len(), 10_000);
        assert!(sim.regret.windows(2).all(|w| w[1] >= w[0]));
        ts_total += sim.regret[9_999];
        uniform_total += sim.uniform_regret[9_999];
        // The simulated uniform policy agrees with the expected uniform regret.
        let mut uni = UniformRandom::new(5, 0, seed).unwrap();
        uniform_sim_total += simulate_bernoulli(&mut uni, &env, 10_000, seed)
            .unwrap()
            .regret[9_999];
    }
    assert!((uniform_total / 5.0 - 250.0).abs() < 1e-9);
    assert!((uniform_sim_total / uniform_total - 1.0).abs() < 0.05);
    let ratio = ts_total / uniform_total;
    assert!(ratio < 0.4, "Thompson / uniform regret = {ratio}");
}

#[test]
fn prob_best_of_the_best_arm_converges() {
    // Top-two sampling (best-arm identification) on the 5-arm problem.
    let env = BernoulliEnv::new(RATES.to_vec());
    for seed in 0..3 {
        let mut ts = BernoulliTsParams::default()
            .top_two(0.5)
            .seed(seed)
            .build(5)
            .unwrap();
        let before = ts.insight(None, 10_000, 9).unwrap();
        assert!(before.prob_best[4] < 0.3);
        simulate_bernoulli(&mut ts, &env, 40_000, 200 + seed).unwrap();
        let ins = ts.insight(None, 20_000, 9).unwrap();
        assert_eq!(ins.arms, vec![0, 1, 2, 3, 4]);
        assert!((ins.prob_best.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(ins.prob_best[4] > 0.95, "seed {seed}: {:?}", ins.prob_best);
        let stop = ts
            .should_stop(&StoppingRule::prob_best(0.95), 20_000, 9)
            .unwrap();
        assert!(stop.stop);
        assert_eq!(stop.best_arm, 4);
    }
}

/// P(θ_B > θ_A) for θ_A ~ Beta(aa, ba), θ_B ~ Beta(ab, bb), integer ab (Evan Miller's sum).
fn prob_b_beats_a(aa: f64, ba: f64, ab: u32, bb: f64) -> f64 {
    (0..ab)
        .map(|i| {
            let i = i as f64;
            (ln_beta(aa + i, ba + bb) - (bb + i).ln() - ln_beta(1.0 + i, bb) - ln_beta(aa, ba))
                .exp()
        })
        .sum()
}

#[test]
fn insight_matches_exact_probability_and_loss() {
    let mut ts = BernoulliTsParams::default().build(2).unwrap();
    // Arm 0: 12 successes / 40; arm 1: 17 / 45  ->  Beta(13, 29) and Beta(18, 29).
    ts.update_batch(&[0; 40], &[[1.0; 12].as_slice(), &[0.0; 28]].concat())
        .unwrap();
    ts.update_batch(&[1; 45], &[[1.0; 17].as_slice(), &[0.0; 28]].concat())
        .unwrap();
    let exact = prob_b_beats_a(13.0, 29.0, 18, 29.0);
    let draws = 200_000;
    let ins = ts.insight(None, draws, 21).unwrap();
    let se = (exact * (1.0 - exact) / draws as f64).sqrt();
    assert!(
        (ins.prob_best[1] - exact).abs() < 4.0 * se,
        "{} vs {exact}",
        ins.prob_best[1]
    );
    // E[max − θ_0] − E[max − θ_1] = E[θ_1] − E[θ_0].
    let diff = ins.expected_loss[0] - ins.expected_loss[1];
    let want = 18.0 / 47.0 - 13.0 / 42.0;
    assert!((diff - want).abs() < 2e-3, "{diff} vs {want}");
    assert!(ins.expected_loss.iter().all(|&l| l >= 0.0));
    // Same seed, same answer; the policy's own stream is not touched.
    assert_eq!(ins, ts.insight(None, draws, 21).unwrap());
    // Expected-loss stopping rule.
    let rule = StoppingRule::expected_loss(1e-3);
    let stop = ts.should_stop(&rule, 10_000, 1).unwrap();
    assert!(!stop.stop && stop.best_arm == 1);
    assert!(rule.check().is_ok());
    assert!(
        StoppingRule {
            prob_best: None,
            expected_loss: None
        }
        .check()
        .is_err()
    );
    assert!(StoppingRule::prob_best(1.5).check().is_err());
    // Eligible subset of one arm: P(best) = 1, loss 0.
    let ins = ts.insight(Some(&[0]), 100, 1).unwrap();
    assert_eq!((ins.prob_best[0], ins.expected_loss[0]), (1.0, 0.0));
}

// ---------------------------------------------------------------------------------------------
// Linear Thompson sampling

fn linear_problem(arms: usize, d: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = Rng::seed_from_u64(seed);
    (0..arms)
        .map(|_| (0..d).map(|_| StandardNormal.sample(&mut rng)).collect())
        .collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn linear_ts_learns_theta_and_matches_ridge_closed_form() {
    let (k, d) = (3, 5);
    let thetas = linear_problem(k, d, 1);
    let mut ts = LinearTsParams::default()
        .ridge(1.0)
        .noise(0.1)
        .build(k, d)
        .unwrap();
    let mut rng = Rng::seed_from_u64(2);
    let noise = Normal::new(0.0, 0.1).unwrap();
    let mut rows: Vec<Vec<(Vec<f64>, f64)>> = vec![Vec::new(); k];
    for _ in 0..5000 {
        let x: Vec<f64> = (0..d).map(|_| StandardNormal.sample(&mut rng)).collect();
        let a = rng.random_range(0..k);
        let r = dot(&x, &thetas[a]) + noise.sample(&mut rng);
        ts.update(a, &x, r).unwrap();
        rows[a].push((x, r));
    }
    for a in 0..k {
        let mu = ts.theta_mean(a).unwrap();
        for j in 0..d {
            assert!(
                (mu[j] - thetas[a][j]).abs() < 0.02,
                "arm {a}: {mu:?} vs {:?}",
                thetas[a]
            );
        }
        // Ridge closed form μ = (λI + XᵀX)⁻¹ Xᵀy from scratch.
        let mut b = vec![0.0; d * d];
        let mut f = vec![0.0; d];
        for i in 0..d {
            b[i * d + i] = 1.0;
        }
        for (x, r) in &rows[a] {
            for i in 0..d {
                for j in 0..d {
                    b[i * d + j] += x[i] * x[j];
                }
                f[i] += r * x[i];
            }
        }
        let prec = ts.precision(a).unwrap();
        let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(
            prec.iter()
                .zip(&b)
                .all(|(p, q)| (p - q).abs() <= 1e-12 * scale)
        );
        let bv = ts.b_vector(a).unwrap();
        assert!(bv.iter().zip(&f).all(|(p, q)| (p - q).abs() <= 1e-10));
        cholesky_in_place(&mut b, d).unwrap();
        cholesky_solve_in_place(&b, d, &mut f).unwrap();
        assert!(
            mu.iter().zip(&f).all(|(p, q)| (p - q).abs() <= 1e-10),
            "{mu:?} {f:?}"
        );
        assert_eq!(ts.count(a).unwrap(), rows[a].len() as f64);
    }
}

#[test]
fn linear_ts_sample_theta_has_the_posterior_moments() {
    let (k, d) = (1, 3);
    let mut ts = LinearTsParams::default().noise(0.5).build(k, d).unwrap();
    let mut rng = Rng::seed_from_u64(8);
    for _ in 0..20 {
        let x: Vec<f64> = (0..d).map(|_| StandardNormal.sample(&mut rng)).collect();
        ts.update(0, &x, x[0] - x[2]).unwrap();
    }
    let mu = ts.theta_mean(0).unwrap();
    // Covariance v² B⁻¹ by solving B C = v² I.
    let mut l = ts.precision(0).unwrap();
    cholesky_in_place(&mut l, d).unwrap();
    let mut cov = vec![0.0; d * d];
    for j in 0..d {
        let mut e = vec![0.0; d];
        e[j] = 0.25;
        cholesky_solve_in_place(&l, d, &mut e).unwrap();
        for i in 0..d {
            cov[i * d + j] = e[i];
        }
    }
    let n = 40_000;
    let draws: Vec<Vec<f64>> = (0..n).map(|s| ts.sample_theta(0, s).unwrap()).collect();
    for i in 0..d {
        let m: f64 = draws.iter().map(|t| t[i]).sum::<f64>() / n as f64;
        assert!((m - mu[i]).abs() < 4.0 * (cov[i * d + i] / n as f64).sqrt());
        for j in 0..d {
            let c: f64 = draws
                .iter()
                .map(|t| (t[i] - mu[i]) * (t[j] - mu[j]))
                .sum::<f64>()
                / n as f64;
            let tol = 4.0 * (cov[i * d + i] * cov[j * d + j] * 2.0 / n as f64).sqrt();
            assert!(
                (c - cov[i * d + j]).abs() < tol,
                "cov[{i},{j}] {c} vs {}",
                cov[i * d + j]
            );
        }
    }
    // The summary interval of xᵀθ is N(xᵀμ, v² xᵀB⁻¹x).
    let x = [0.3, -1.0, 2.0];
    let s = &ts.summary(&x, 0.95).unwrap()[0];
    let var: f64 = (0..d)
        .map(|i| (0..d).map(|j| x[i] * cov[i * d + j] * x[j]).sum::<f64>())
        .sum();
    assert!(rel_close(s.mean, dot(&x, &mu), 1e-12));
    assert!(rel_close(
        s.upper - s.mean,
        1.959_963_984_540_054 * var.sqrt(),
        1e-10
    ));
}

#[test]
fn linear_ts_beats_uniform() {
    let (k, d) = (5, 5);
    let thetas = linear_problem(k, d, 3);
    let noise = Normal::new(0.0, 0.5).unwrap();
    let steps = 3000;
    let (mut ts_regret, mut uni_regret) = (0.0, 0.0);
    for seed in 0..3 {
        let mut ts = LinearTsParams::default()
            .noise(0.5)
            .seed(seed)
            .build(k, d)
            .unwrap();
        let mut rng = Rng::seed_from_u64(50 + seed);
        for _ in 0..steps {
            let x: Vec<f64> = (0..d).map(|_| StandardNormal.sample(&mut rng)).collect();
            let means: Vec<f64> = thetas.iter().map(|t| dot(&x, t)).collect();
            let best = means.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let a = ts.choose(&x, None).unwrap();
            ts.update(a, &x, means[a] + noise.sample(&mut rng)).unwrap();
            ts_regret += best - means[a];
            uni_regret += best - means.iter().sum::<f64>() / k as f64;
        }
    }
    let ratio = ts_regret / uni_regret;
    assert!(ratio < 0.1, "LinearTs / uniform regret = {ratio}");
}

// ---------------------------------------------------------------------------------------------
// Discounting and top-two

#[test]
fn discounted_ts_recovers_after_a_switch() {
    let env = BernoulliEnv::new(vec![0.8, 0.5, 0.2]).with_drift(Drift::Switch {
        at: 5000,
        rates: vec![0.2, 0.5, 0.8],
    });
    let run = |gamma: f64, seed: u64| {
        let mut ts = BernoulliTsParams::default()
            .discount(gamma)
            .seed(seed)
            .build(3)
            .unwrap();
        let sim = simulate_bernoulli(&mut ts, &env, 10_000, 100 + seed).unwrap();
        let share = |r: std::ops::Range<usize>| {
            let len = r.len() as f64;
            sim.choices[r].iter().filter(|&&a| a == 2).count() as f64 / len
        };
        (
            share(9000..10_000),
            share(5000..7000),
            sim.regret[9999] - sim.regret[4999],
        )
    };
    let (mut d_last, mut d_early, mut d_regret) = (0.0, 0.0, 0.0);
    let (mut u_early, mut u_regret) = (0.0, 0.0);
    for seed in 0..3 {
        let (last, early, regret) = run(0.99, seed);
        assert!(
            last > 0.7,
            "discounted, seed {seed}: new best played {last} in the last 1000"
        );
        d_last += last / 3.0;
        d_early += early / 3.0;
        d_regret += regret;
        let (_, early, regret) = run(1.0, seed);
        u_early += early / 3.0;
        u_regret += regret;
    }
    assert!(d_last > 0.7);
    // Undiscounted is slower to move to the new best arm.
    assert!(
        u_early < d_early - 0.2,
        "early share: undiscounted {u_early}, discounted {d_early}"
    );
    assert!(
        u_regret > 2.0 * d_regret,
        "post-switch regret {u_regret} vs {d_regret}"
    );
}

#[test]
fn discount_decays_towards_the_prior_exactly() {
    // α ← α₀ + γ (α − α₀) before each update, for every arm.
    let g: f64 = 0.9;
    let mut ts = BernoulliTsParams::default()
        .prior(2.0, 1.0)
        .discount(g)
        .build(2)
        .unwrap();
    ts.update(0, 1.0).unwrap(); // arm 0: α = 3, β = 1
    ts.update(1, 0.0).unwrap(); // arm 0 decays once; arm 1: α = 2, β = 2
    ts.update(1, 1.0).unwrap(); // arm 0 decays twice; arm 1: 2 + 0.9·0 + 1, 1 + 0.9·1
    let p0 = ts.posterior(0).unwrap();
    assert!(rel_close(p0.alpha, 2.0 + g * g, 1e-15));
    assert!(rel_close(p0.beta, 1.0, 1e-15));
    let p1 = ts.posterior(1).unwrap();
    assert!(rel_close(p1.alpha, 3.0, 1e-15));
    assert!(rel_close(p1.beta, 1.0 + g, 1e-15));
    assert!(rel_close(ts.stats(1).unwrap().n, 1.0 + g, 1e-15));
    // LinearTs: B − λI and f decay the same way.
    let mut lin = LinearTsParams::default().discount(g).build(2, 1).unwrap();
    lin.update(0, &[2.0], 1.0).unwrap();
    lin.update(1, &[1.0], 1.0).unwrap();
    assert!(rel_close(
        lin.precision(0).unwrap()[0],
        1.0 + g * 4.0,
        1e-15
    ));
    assert!(rel_close(lin.b_vector(0).unwrap()[0], g * 2.0, 1e-15));
    assert!(rel_close(
        lin.theta_mean(0).unwrap()[0],
        g * 2.0 / (1.0 + g * 4.0),
        1e-15
    ));
}

#[test]
fn top_two_plays_a_different_arm_in_the_challenger_branch() {
    let mut ts = BernoulliTsParams::default()
        .top_two(0.5)
        .seed(4)
        .build(3)
        .unwrap();
    ts.update_batch(&[0, 0, 1, 1, 2, 2], &[1.0, 0.0, 1.0, 1.0, 0.0, 0.0])
        .unwrap();
    let n = 4000;
    let mut challengers = 0;
    for _ in 0..n {
        let c = ts.choose_detail(None).unwrap();
        if c.challenger {
            challengers += 1;
            assert_ne!(c.arm, c.leader);
        } else {
            assert_eq!(c.arm, c.leader);
        }
    }
    let frac = challengers as f64 / n as f64;
    assert!((frac - 0.5).abs() < 0.04, "challenger share {frac}");
    // Plain Thompson sampling never takes the challenger branch.
    let mut plain = BernoulliTsParams::default().build(3).unwrap();
    assert!((0..200).all(|_| !plain.choose_detail(None).unwrap().challenger));
    // A single eligible arm is always played.
    let c = ts.choose_detail(Some(&[2])).unwrap();
    assert_eq!((c.arm, c.leader), (2, 2));
}

// ---------------------------------------------------------------------------------------------
// Merge

#[test]
fn merged_replicas_equal_a_single_replica() {
    let mut rng = Rng::seed_from_u64(12);
    // Bernoulli with fractional rewards.
    let mut base = BernoulliTsParams::default().seed(1).build(4).unwrap();
    for _ in 0..100 {
        base.update(rng.random_range(0..4), rng.random()).unwrap();
    }
    let mut single = base.clone();
    let mut a = base.clone();
    let mut b = base.clone();
    for i in 0..3000 {
        let (arm, r): (usize, f64) = (rng.random_range(0..4), rng.random());
        single.update(arm, r).unwrap();
        if i % 3 == 0 { &mut a } else { &mut b }
            .update(arm, r)
            .unwrap();
    }
    a.merge(&base, &b).unwrap();
    assert_eq!(a.n_updates(), single.n_updates());
    for arm in 0..4 {
        let (m, s) = (a.stats(arm).unwrap(), single.stats(arm).unwrap());
        assert_eq!(m.n, s.n);
        assert!(rel_close(m.successes.value(), s.successes.value(), 1e-12));
    }
    // Merging an empty delta is the identity.
    let before = single.to_json().unwrap();
    let snapshot = single.clone();
    single.merge(&snapshot, &snapshot).unwrap();
    assert_eq!(single.to_json().unwrap(), before);

    // Gaussian.
    let base = GaussianTsParams::default().build(3).unwrap();
    let (mut single, mut a, mut b) = (base.clone(), base.clone(), base.clone());
    for i in 0..3000 {
        let arm = rng.random_range(0..3);
        let x = Normal::new(arm as f64 * 10.0, 3.0)
            .unwrap()
            .sample(&mut rng);
        single.update(arm, x).unwrap();
        if i % 2 == 0 { &mut a } else { &mut b }
            .update(arm, x)
            .unwrap();
    }
    a.merge(&base, &b).unwrap();
    for arm in 0..3 {
        let (m, s) = (a.stats(arm).unwrap(), single.stats(arm).unwrap());
        assert_eq!(m.n, s.n);
        assert!(rel_close(m.sum.value(), s.sum.value(), 1e-12));
        assert!(rel_close(m.sum_sq.value(), s.sum_sq.value(), 1e-12));
        let (pm, ps) = (a.posterior(arm).unwrap(), single.posterior(arm).unwrap());
        assert!(rel_close(pm.mean, ps.mean, 1e-12) && rel_close(pm.beta, ps.beta, 1e-12));
    }

    // LinearTs: precision matrices and b vectors add.
    let d = 4;
    let mut base = LinearTsParams::default().build(2, d).unwrap();
    for _ in 0..50 {
        let x: Vec<f64> = (0..d).map(|_| StandardNormal.sample(&mut rng)).collect();
        base.update(rng.random_range(0..2), &x, rng.random())
            .unwrap();
    }
    let (mut single, mut a, mut b) = (base.clone(), base.clone(), base.clone());
    for i in 0..2000 {
        let x: Vec<f64> = (0..d).map(|_| StandardNormal.sample(&mut rng)).collect();
        let (arm, r) = (rng.random_range(0..2), rng.random::<f64>() * 3.0 - 1.0);
        single.update(arm, &x, r).unwrap();
        if i % 4 == 0 { &mut a } else { &mut b }
            .update(arm, &x, r)
            .unwrap();
    }
    a.merge(&base, &b).unwrap();
    for arm in 0..2 {
        let (pm, ps) = (a.precision(arm).unwrap(), single.precision(arm).unwrap());
        let scale = ps.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(
            pm.iter()
                .zip(&ps)
                .all(|(x, y)| (x - y).abs() <= 1e-12 * scale)
        );
        let (bm, bs) = (a.b_vector(arm).unwrap(), single.b_vector(arm).unwrap());
        let scale = bs.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(
            bm.iter()
                .zip(&bs)
                .all(|(x, y)| (x - y).abs() <= 1e-12 * scale)
        );
        assert_eq!(a.count(arm).unwrap(), single.count(arm).unwrap());
        let (mm, ms) = (a.theta_mean(arm).unwrap(), single.theta_mean(arm).unwrap());
        assert!(mm.iter().zip(&ms).all(|(x, y)| (x - y).abs() <= 1e-10));
    }
}

#[test]
fn merge_rejects_incompatible_states() {
    let base = BernoulliTsParams::default().build(2).unwrap();
    let mut a = base.clone();
    a.update(0, 1.0).unwrap();
    let other_prior = BernoulliTsParams::default()
        .prior(2.0, 2.0)
        .build(2)
        .unwrap();
    let before = a.to_json().unwrap();
    assert!(a.clone().merge(&base, &other_prior).is_err());
    let three = BernoulliTsParams::default().build(3).unwrap();
    assert!(a.clone().merge(&base, &three).is_err());
    // `base` ahead of a replica: not a common snapshot.
    assert!(base.clone().merge(&a, &a).is_err());
    let disc = BernoulliTsParams::default().discount(0.9).build(2).unwrap();
    assert!(disc.clone().merge(&disc, &disc).is_err());
    assert_eq!(a.to_json().unwrap(), before);
    // Arms added after the snapshot, identically in both replicas, merge.
    let mut a = base.clone();
    let mut b = base.clone();
    a.add_arm("new").unwrap();
    b.add_arm("new").unwrap();
    a.update(2, 1.0).unwrap();
    b.update(2, 0.0).unwrap();
    b.retire_arm(0).unwrap();
    a.merge(&base, &b).unwrap();
    assert_eq!(a.stats(2).unwrap().n, 2.0);
    assert!(!a.is_active(0));
}

// ---------------------------------------------------------------------------------------------
// Persistence

fn exercise_bernoulli(ts: &mut BernoulliTs) {
    for i in 0..50 {
        let a = ts.choose(None).unwrap();
        ts.update(a, (i % 7) as f64 / 6.0).unwrap();
    }
    ts.decide(None).unwrap();
    ts.decide_k(2, None).unwrap();
    let d = ts.decide(None).unwrap();
    ts.reward(d.id, 0.1).unwrap();
}

#[test]
fn json_round_trip_is_exact_and_continues_the_stream() {
    // BernoulliTs, plain and with every option.
    for params in [
        BernoulliTsParams::default().seed(3),
        BernoulliTsParams::default()
            .prior(0.5, 2.5)
            .discount(0.97)
            .top_two(0.4)
            .pending_horizon(7)
            .seed(99),
    ] {
        let mut ts = params.build_named(&["a", "b", "c", "d"]).unwrap();
        exercise_bernoulli(&mut ts);
        ts.retire_arm(1).unwrap();
        let json = ts.to_json().unwrap();
        let mut loaded = BernoulliTs::from_json(&json).unwrap();
        assert_eq!(loaded.to_json().unwrap(), json);
        assert_eq!(loaded.arm_names(), ts.arm_names());
        for arm in 0..4 {
            assert_eq!(loaded.posterior(arm).unwrap(), ts.posterior(arm).unwrap());
        }
        // The same next 100 decisions (single, eligible, slates, tracked).
        for i in 0..100 {
            match i % 4 {
                0 => assert_eq!(ts.choose(None).unwrap(), loaded.choose(None).unwrap()),
                1 => assert_eq!(
                    ts.choose(Some(&[3, 0])).unwrap(),
                    loaded.choose(Some(&[3, 0])).unwrap()
                ),
                2 => assert_eq!(
                    ts.choose_k(2, None).unwrap(),
                    loaded.choose_k(2, None).unwrap()
                ),
                _ => assert_eq!(ts.decide(None).unwrap(), loaded.decide(None).unwrap()),
            }
            let r = (i as f64 * 0.37).fract();
            ts.update(i % 4, r).unwrap();
            loaded.update(i % 4, r).unwrap();
        }
        assert_eq!(ts.to_json().unwrap(), loaded.to_json().unwrap());
    }

    // GaussianTs.
    let mut ts = GaussianTsParams::default()
        .prior(1.0, 0.5, 2.0, 3.0)
        .top_two(0.5)
        .seed(5)
        .build(3)
        .unwrap();
    for i in 0..40 {
        let a = ts.choose(None).unwrap();
        ts.update(a, (i as f64).sin() * 1e3 + 0.1).unwrap();
    }
    ts.decide(None).unwrap();
    let json = ts.to_json().unwrap();
    let mut loaded = GaussianTs::from_json(&json).unwrap();
    assert_eq!(loaded.to_json().unwrap(), json);
    for i in 0..100 {
        assert_eq!(ts.choose(None).unwrap(), loaded.choose(None).unwrap());
        ts.update(i % 3, i as f64 / 3.0).unwrap();
        loaded.update(i % 3, i as f64 / 3.0).unwrap();
    }

    // LinearTs, with and without discounting.
    for gamma in [1.0, 0.95] {
        let d = 3;
        let mut ts = LinearTsParams::default()
            .discount(gamma)
            .noise(0.3)
            .seed(8)
            .build(3, d)
            .unwrap();
        let mut rng = Rng::seed_from_u64(4);
        let ctx =
            |rng: &mut Rng| -> Vec<f64> { (0..d).map(|_| rng.random::<f64>() / 3.0).collect() };
        for _ in 0..60 {
            let x = ctx(&mut rng);
            let a = ts.choose(&x, None).unwrap();
            ts.update(a, &x, x[a % d]).unwrap();
        }
        ts.decide(&ctx(&mut rng), None).unwrap();
        ts.decide_k(&ctx(&mut rng), 2, None).unwrap();
        let json = ts.to_json().unwrap();
        let mut loaded = LinearTs::from_json(&json).unwrap();
        assert_eq!(loaded.to_json().unwrap(), json);
        for _ in 0..100 {
            let x = ctx(&mut rng);
            let (a, b) = (
                ts.choose(&x, None).unwrap(),
                loaded.choose(&x, None).unwrap(),
            );
            assert_eq!(a, b);
            ts.update(a, &x, 0.5).unwrap();
            loaded.update(b, &x, 0.5).unwrap();
        }
        assert_eq!(ts.to_json().unwrap(), loaded.to_json().unwrap());
    }
}

#[test]
fn same_seed_same_decisions_different_seed_different() {
    let run = |seed: u64| {
        let mut ts = BernoulliTsParams::default().seed(seed).build(6).unwrap();
        (0..300)
            .map(|i| {
                let a = ts.choose(None).unwrap();
                ts.update(a, if i % 3 == 0 { 1.0 } else { 0.0 }).unwrap();
                a
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
}

fn mutate(json: &str, f: impl FnOnce(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(json).unwrap();
    f(&mut v);
    v.to_string()
}

fn assert_corrupt<T: std::fmt::Debug>(r: Result<T, Ki3Error>, what: &str) {
    match r {
        Err(Ki3Error::Corrupt { .. }) => {}
        other => panic!("{what}: expected Corrupt, got {other:?}"),
    }
}

#[test]
fn corrupt_saved_states_are_rejected() {
    let mut ts = BernoulliTsParams::default().build(3).unwrap();
    exercise_bernoulli(&mut ts);
    let json = ts.to_json().unwrap();
    let gaussian = GaussianTsParams::default()
        .build(3)
        .unwrap()
        .to_json()
        .unwrap();
    let cases: Vec<(&str, String)> = vec![
        ("not JSON", "{\"format\": ".to_string()),
        ("empty", String::new()),
        (
            "wrong format",
            mutate(&json, |v| v["format"] = "other".into()),
        ),
        ("wrong kind", gaussian.clone()),
        ("wrong version", mutate(&json, |v| v["version"] = 2.into())),
        (
            "missing state field",
            mutate(&json, |v| {
                v["state"].as_object_mut().unwrap().remove("clock");
            }),
        ),
        (
            "unknown field",
            mutate(&json, |v| v["state"]["extra"] = 1.into()),
        ),
        (
            "negative count",
            mutate(&json, |v| {
                v["state"]["arms"][0]["stats"]["n"] = (-1.0).into()
            }),
        ),
        (
            "successes above count",
            mutate(&json, |v| {
                v["state"]["arms"][0]["stats"]["successes"]["sum"] = 1e9.into()
            }),
        ),
        (
            "null float",
            mutate(&json, |v| v["state"]["arms"][1]["stats"]["n"] = Value::Null),
        ),
        (
            "huge float",
            json.replacen("\"n\":", "\"n\":1e999,\"x\":", 1),
        ),
        (
            "discount above 1",
            mutate(&json, |v| {
                v["state"]["params"]["options"]["discount"] = 1.5.into()
            }),
        ),
        (
            "zero prior",
            mutate(&json, |v| {
                v["state"]["params"]["prior"]["alpha"] = 0.0.into()
            }),
        ),
        (
            "zero horizon",
            mutate(&json, |v| {
                v["state"]["params"]["options"]["pending_horizon"] = 0.into()
            }),
        ),
        (
            "duplicate names",
            mutate(&json, |v| v["state"]["arms"][1]["name"] = "0".into()),
        ),
        (
            "no arms",
            mutate(&json, |v| v["state"]["arms"] = Value::Array(vec![])),
        ),
        (
            "bad rng",
            mutate(&json, |v| v["state"]["rng"] = "not hex".into()),
        ),
        (
            "even rng state",
            mutate(&json, |v| v["state"]["rng"] = "2".into()),
        ),
        (
            "last after clock",
            mutate(&json, |v| v["state"]["arms"][0]["last"] = 1_000_000.into()),
        ),
        (
            "pending id not issued",
            mutate(&json, |v| v["state"]["pending"][0]["id"] = 1_000_000.into()),
        ),
        (
            "pending unknown arm",
            mutate(&json, |v| v["state"]["pending"][0]["arms"][0] = 17.into()),
        ),
        (
            "pending duplicate arms",
            mutate(&json, |v| {
                v["state"]["pending"][1]["arms"] = serde_json::json!([0, 0])
            }),
        ),
        (
            "pending context on a context-free policy",
            mutate(&json, |v| {
                v["state"]["pending"][0]["context"] = serde_json::json!([1.0])
            }),
        ),
        ("array instead of object", "[1, 2, 3]".to_string()),
        (
            "clock near overflow",
            mutate(&json, |v| v["state"]["clock"] = u64::MAX.into()),
        ),
        (
            "decision id near overflow",
            mutate(&json, |v| v["state"]["next_decision_id"] = u64::MAX.into()),
        ),
    ];
    for (what, text) in &cases {
        assert_corrupt(BernoulliTs::from_json(text), what);
    }
    // The untouched state still loads.
    assert!(BernoulliTs::from_json(&json).is_ok());

    // Gaussian: inconsistent sums.
    let mut g = GaussianTsParams::default().build(2).unwrap();
    g.update_batch(&[0, 0, 1], &[1.0, 2.0, 3.0]).unwrap();
    let gj = g.to_json().unwrap();
    assert_corrupt(
        GaussianTs::from_json(&mutate(&gj, |v| {
            v["state"]["arms"][0]["stats"]["sum_sq"]["sum"] = 0.0.into()
        })),
        "gaussian sum_sq",
    );
    assert_corrupt(GaussianTs::from_json(&json), "bernoulli as gaussian");

    // LinearTs.
    let mut lin = LinearTsParams::default().build(2, 3).unwrap();
    lin.update(0, &[1.0, 2.0, 0.5], 1.0).unwrap();
    lin.decide(&[0.1, 0.2, 0.3], None).unwrap();
    let lj = lin.to_json().unwrap();
    assert!(LinearTs::from_json(&lj).is_ok());
    let lin_cases: Vec<(&str, String)> = vec![
        (
            "factor does not match",
            mutate(&lj, |v| v["state"]["arms"][0]["chol"][2] = 5.0.into()),
        ),
        (
            "negative factor diagonal",
            mutate(&lj, |v| v["state"]["arms"][1]["chol"][0] = (-1.0).into()),
        ),
        (
            "short gram",
            mutate(&lj, |v| {
                v["state"]["arms"][0]["gram"].as_array_mut().unwrap().pop();
            }),
        ),
        ("dim zero", mutate(&lj, |v| v["state"]["dim"] = 0.into())),
        (
            "dim mismatch",
            mutate(&lj, |v| v["state"]["dim"] = 2.into()),
        ),
        (
            "pending context length",
            mutate(&lj, |v| {
                v["state"]["pending"][0]["context"] = serde_json::json!([1.0])
            }),
        ),
        (
            "negative ridge",
            mutate(&lj, |v| v["state"]["params"]["ridge"] = (-1.0).into()),
        ),
        (
            "cache before last",
            mutate(&lj, |v| {
                v["state"]["arms"][0]["last"] = 1.into();
                v["state"]["arms"][0]["cache_clock"] = 0.into();
            }),
        ),
        ("wrong kind", json.clone()),
    ];
    for (what, text) in &lin_cases {
        assert_corrupt(LinearTs::from_json(text), what);
    }
}

// ---------------------------------------------------------------------------------------------
// Delayed feedback

#[test]
fn delayed_feedback_out_of_order_duplicates_and_expiry() {
    let mut ts = BernoulliTsParams::default()
        .pending_horizon(5)
        .seed(2)
        .build(3)
        .unwrap();
    let ds: Vec<Decision> = (0..4).map(|_| ts.decide(None).unwrap()).collect();
    assert_eq!(
        ds.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![0, 1, 2, 3]
    );
    assert_eq!(ts.pending_decisions(), 4);
    // Out of order.
    assert_eq!(ts.reward(ds[2].id, 1.0).unwrap(), ds[2].arm);
    assert_eq!(ts.reward(ds[0].id, 0.0).unwrap(), ds[0].arm);
    assert_eq!(ts.pending_decisions(), 2);
    assert_eq!(ts.n_updates(), 2);
    // Twice: an error, and nothing changes.
    let before = ts.to_json().unwrap();
    let err = ts.reward(ds[2].id, 1.0).unwrap_err();
    assert!(err.to_string().contains("already rewarded"), "{err}");
    // Invalid reward: error, the decision stays open.
    assert!(ts.reward(ds[1].id, 1.5).is_err());
    assert!(ts.reward(ds[1].id, f64::NAN).is_err());
    // Never issued.
    let err = ts.reward(99, 1.0).unwrap_err();
    assert!(err.to_string().contains("never issued"), "{err}");
    assert_eq!(ts.to_json().unwrap(), before);
    // Survives a save/load.
    let mut ts = BernoulliTs::from_json(&before).unwrap();
    assert_eq!(ts.pending_decisions(), 2);
    ts.reward(ds[1].id, 1.0).unwrap();
    // Expiry: after 5 later decisions, decision 3 is out of the window.
    for _ in 0..5 {
        ts.decide(None).unwrap();
    }
    let err = ts.reward(ds[3].id, 1.0).unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");
    assert!(matches!(err, Ki3Error::InvalidParameter { .. }));
    assert_eq!(ts.next_decision_id(), 9);
    assert_eq!(ts.pending_decisions(), 5);
    // Slates: one reward per position.
    let s = ts.decide_k(2, None).unwrap();
    assert_eq!(s.arms.len(), 2);
    assert_ne!(s.arms[0], s.arms[1]);
    assert!(ts.reward(s.id, 1.0).is_err());
    assert!(ts.reward_slate(s.id, &[1.0]).is_err());
    assert!(ts.reward_slate(s.id, &[1.0, 2.0]).is_err());
    let n_before = ts.n_updates();
    ts.reward_slate(s.id, &[1.0, 0.0]).unwrap();
    assert_eq!(ts.n_updates(), n_before + 2);
    assert!(ts.reward_slate(s.id, &[1.0, 0.0]).is_err());

    // LinearTs keeps the context of each decision.
    let mut lin = LinearTsParams::default()
        .pending_horizon(3)
        .build(2, 2)
        .unwrap();
    let d1 = lin.decide(&[1.0, 0.0], None).unwrap();
    let d2 = lin.decide(&[0.0, 2.0], None).unwrap();
    lin.reward(d2.id, 1.0).unwrap();
    lin.reward(d1.id, 3.0).unwrap();
    let mut direct = LinearTsParams::default().build(2, 2).unwrap();
    direct.update(d2.arm, &[0.0, 2.0], 1.0).unwrap();
    direct.update(d1.arm, &[1.0, 0.0], 3.0).unwrap();
    for a in 0..2 {
        assert_eq!(lin.precision(a).unwrap(), direct.precision(a).unwrap());
        assert_eq!(lin.theta_mean(a).unwrap(), direct.theta_mean(a).unwrap());
    }
    assert!(lin.reward(d1.id, 1.0).is_err());
    let d3 = lin.decide(&[1.0, 1.0], None).unwrap();
    for _ in 0..3 {
        lin.decide(&[1.0, 1.0], None).unwrap();
    }
    assert!(
        lin.reward(d3.id, 1.0)
            .unwrap_err()
            .to_string()
            .contains("expired")
    );
}

// ---------------------------------------------------------------------------------------------
// Arms, eligible sets, slates

#[test]
fn eligible_sets_slates_and_arm_lifecycle() {
    let mut ts = BernoulliTsParams::default()
        .seed(1)
        .build_named(&["a", "b", "c", "d"])
        .unwrap();
    let rates = [0.1, 0.4, 0.7, 0.9];
    for (arm, &p) in rates.iter().enumerate() {
        let succ = (p * 1000.0) as usize;
        let rewards: Vec<f64> = (0..1000)
            .map(|i| if i < succ { 1.0 } else { 0.0 })
            .collect();
        ts.update_batch(&vec![arm; 1000], &rewards).unwrap();
    }
    // Separated posteriors: slates follow the true order.
    assert_eq!(ts.choose_k(3, None).unwrap(), vec![3, 2, 1]);
    assert_eq!(ts.choose_k(4, None).unwrap(), vec![3, 2, 1, 0]);
    assert_eq!(ts.choose_k(2, Some(&[0, 1, 2])).unwrap(), vec![2, 1]);
    assert_eq!(ts.choose(Some(&[0, 1])).unwrap(), 1);
    assert_eq!(ts.arm_index("c").unwrap(), 2);
    // Retire the best arm: never chosen again, still accepts late rewards.
    ts.retire_arm(3).unwrap();
    assert!((0..100).all(|_| ts.choose(None).unwrap() != 3));
    assert!(ts.choose(Some(&[3])).is_err());
    ts.update(3, 1.0).unwrap();
    assert_eq!(ts.active_arms(), &[0, 1, 2]);
    // A new arm starts at the prior and is explored.
    let e = ts.add_arm("e").unwrap();
    assert_eq!(e, 4);
    assert!(ts.add_arm("e").is_err());
    assert_eq!(
        ts.posterior(e).unwrap(),
        BetaPosterior {
            alpha: 1.0,
            beta: 1.0
        }
    );
    assert!((0..200).any(|_| ts.choose(None).unwrap() == e));
    let summary = ts.summary(0.9).unwrap();
    assert_eq!(summary.len(), 5);
    assert!(!summary[3].active && summary[4].active);
    assert_eq!(summary[4].name, "e");
    let ins = ts.insight(None, 1000, 3).unwrap();
    assert_eq!(ins.arms, vec![0, 1, 2, 4]);
    // Retire everything: choosing is an error.
    for a in 0..5 {
        ts.retire_arm(a).unwrap();
    }
    assert!(matches!(ts.choose(None), Err(Ki3Error::Empty { .. })));
}

// ---------------------------------------------------------------------------------------------
// Bad input

#[test]
fn bad_input_is_rejected_and_leaves_the_state_unchanged() {
    assert!(matches!(
        BernoulliTsParams::default().build(0),
        Err(Ki3Error::Empty { .. })
    ));
    assert!(BernoulliTsParams::default().discount(0.0).build(2).is_err());
    assert!(
        BernoulliTsParams::default()
            .discount(f64::NAN)
            .build(2)
            .is_err()
    );
    assert!(BernoulliTsParams::default().top_two(0.0).build(2).is_err());
    assert!(
        BernoulliTsParams::default()
            .prior(-1.0, 1.0)
            .build(2)
            .is_err()
    );
    assert!(
        BernoulliTsParams::default()
            .pending_horizon(0)
            .build(2)
            .is_err()
    );
    assert!(
        GaussianTsParams::default()
            .prior(f64::INFINITY, 1.0, 1.0, 1.0)
            .build(2)
            .is_err()
    );
    assert!(LinearTsParams::default().build(2, 0).is_err());
    assert!(LinearTsParams::default().ridge(0.0).build(2, 2).is_err());
    assert!(
        BernoulliTsParams::default()
            .build_named(&["a", "a"])
            .is_err()
    );
    assert!(
        BernoulliTsParams::default()
            .build_named::<&str>(&[])
            .is_err()
    );
    assert!(BernoulliTsParams::default().build(MAX_ARMS + 1).is_err());
    let bad = Insight {
        arms: vec![0, 1],
        prob_best: vec![1.0],
        expected_loss: vec![0.0, 0.0],
        draws: 1,
    };
    assert!(StoppingRule::prob_best(0.9).evaluate(&bad).is_err());

    let mut ts = BernoulliTsParams::default().build(3).unwrap();
    ts.update(0, 1.0).unwrap();
    let before = ts.to_json().unwrap();
    assert!(matches!(
        ts.update(0, 1.5),
        Err(Ki3Error::InvalidValue { .. })
    ));
    assert!(matches!(
        ts.update(0, -0.1),
        Err(Ki3Error::InvalidValue { .. })
    ));
    assert!(matches!(
        ts.update(0, f64::NAN),
        Err(Ki3Error::NonFinite { .. })
    ));
    assert!(matches!(
        ts.update(7, 1.0),
        Err(Ki3Error::InvalidValue { .. })
    ));
    // Batches are all or nothing.
    let err = ts.update_batch(&[0, 1, 2], &[1.0, 0.0, 2.0]).unwrap_err();
    assert!(
        matches!(err, Ki3Error::InvalidValue { index: 2, .. }),
        "{err}"
    );
    assert!(matches!(
        ts.update_batch(&[0, 1], &[1.0]),
        Err(Ki3Error::LengthMismatch { .. })
    ));
    assert!(ts.update_batch(&[0, 5], &[1.0, 1.0]).is_err());
    // Eligible sets and slates.
    assert!(matches!(ts.choose(Some(&[])), Err(Ki3Error::Empty { .. })));
    assert!(ts.choose(Some(&[0, 9])).is_err());
    assert!(ts.choose(Some(&[1, 1])).is_err());
    assert!(ts.choose_k(0, None).is_err());
    assert!(ts.choose_k(4, None).is_err());
    assert!(ts.choose_k(2, Some(&[1])).is_err());
    // Insight arguments.
    assert!(ts.summary(1.0).is_err());
    assert!(ts.insight(None, 0, 1).is_err());
    assert!(ts.posterior(3).is_err());
    assert!(ts.retire_arm(3).is_err());
    assert_eq!(ts.to_json().unwrap(), before);

    let mut g = GaussianTsParams::default().build(2).unwrap();
    assert!(g.update(0, f64::INFINITY).is_err());
    assert!(g.update(0, -1e6).is_ok());

    let mut lin = LinearTsParams::default().build(2, 3).unwrap();
    lin.update(1, &[1.0, 2.0, 3.0], 0.5).unwrap();
    let before = lin.to_json().unwrap();
    assert!(matches!(
        lin.update(0, &[1.0, 2.0], 1.0),
        Err(Ki3Error::LengthMismatch { .. })
    ));
    assert!(matches!(
        lin.update(0, &[1.0, f64::NAN, 0.0], 1.0),
        Err(Ki3Error::NonFinite { .. })
    ));
    assert!(lin.update(0, &[1.0, 2.0, 3.0], f64::NAN).is_err());
    assert!(lin.update(0, &[1e200, 0.0, 0.0], 1.0).is_err());
    assert!(lin.update(2, &[1.0, 2.0, 3.0], 1.0).is_err());
    assert!(lin.choose(&[1.0], None).is_err());
    let ctx = Array2::from_shape_vec((2, 3), vec![1.0, 0.0, 0.0, 0.0, f64::NAN, 0.0]).unwrap();
    assert!(lin.update_batch(&[0, 1], ctx.view(), &[1.0, 1.0]).is_err());
    let ctx = Array2::<f64>::zeros((2, 2));
    assert!(lin.update_batch(&[0, 1], ctx.view(), &[1.0, 1.0]).is_err());
    assert!(lin.summary(&[1.0, 2.0], 0.9).is_err());
    assert_eq!(lin.to_json().unwrap(), before);
    // A valid batch equals the same updates one by one.
    let ctx = Array2::from_shape_vec((2, 3), vec![1.0, 0.0, 0.5, 0.0, 1.0, -1.0]).unwrap();
    let mut one = lin.clone();
    lin.update_batch(&[0, 1], ctx.view(), &[1.0, -1.0]).unwrap();
    one.update(0, &[1.0, 0.0, 0.5], 1.0).unwrap();
    one.update(1, &[0.0, 1.0, -1.0], -1.0).unwrap();
    assert_eq!(lin.to_json().unwrap(), one.to_json().unwrap());
}

// ---------------------------------------------------------------------------------------------
// Replay evaluation and the simulator

/// Always plays one arm.
struct Fixed(usize, usize);

impl Policy for Fixed {
    fn n_arms(&self) -> usize {
        self.1
    }
    fn context_dim(&self) -> usize {
        0
    }
    fn select(&mut self, _: &[f64]) -> Result<usize, Ki3Error> {
        Ok(self.0)
    }
    fn learn(&mut self, _: usize, _: &[f64], _: f64) -> Result<(), Ki3Error> {
        Ok(())
    }
}

#[test]
fn replay_estimates_the_true_reward_of_a_policy() {
    let rates = [0.1, 0.3, 0.5, 0.2];
    let n = 40_000;
    let mut rng = Rng::seed_from_u64(77);
    let mut logger = UniformRandom::new(4, 0, 78).unwrap();
    let arms: Vec<usize> = (0..n).map(|_| logger.select(&[]).unwrap()).collect();
    let rewards: Vec<f64> = arms
        .iter()
        .map(|&a| {
            if rng.random::<f64>() < rates[a] {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    for (arm, &truth) in rates.iter().enumerate() {
        let res = replay(&mut Fixed(arm, 4), &arms, &rewards, None).unwrap();
        let (est, se) = (res.mean_reward.unwrap(), res.std_error.unwrap());
        assert_eq!(res.events, n);
        assert!((res.matched as f64 / n as f64 - 0.25).abs() < 0.02);
        assert!(
            (est - truth).abs() < 3.0 * se,
            "arm {arm}: {est} ± {se} vs {truth}"
        );
    }
    // A uniformly random policy is worth the mean rate.
    let mut uni = UniformRandom::new(4, 0, 5).unwrap();
    let res = replay(&mut uni, &arms, &rewards, None).unwrap();
    let truth = rates.iter().sum::<f64>() / 4.0;
    assert!((res.mean_reward.unwrap() - truth).abs() < 3.0 * res.std_error.unwrap());
    // Thompson sampling learns during the replay and approaches the best rate.
    let mut ts = BernoulliTsParams::default().seed(3).build(4).unwrap();
    let res = replay(&mut ts, &arms, &rewards, None).unwrap();
    assert!(res.mean_reward.unwrap() > 0.45, "{res:?}");
    // Contextual replay: LinearTs with a constant context.
    let mut lin = LinearTsParams::default()
        .noise(0.3)
        .seed(1)
        .build(4, 1)
        .unwrap();
    let ctx = Array2::<f64>::ones((n, 1));
    let res = replay(&mut lin, &arms, &rewards, Some(ctx.view())).unwrap();
    assert!(res.mean_reward.unwrap() > 0.4, "{res:?}");
    // Bad input.
    assert!(replay(&mut Fixed(0, 4), &arms, &rewards[1..], None).is_err());
    assert!(replay(&mut Fixed(0, 4), &[9], &[1.0], None).is_err());
    assert!(replay(&mut Fixed(0, 4), &[1], &[f64::NAN], None).is_err());
    assert!(replay(&mut lin, &arms, &rewards, None).is_err());
    let empty = replay(&mut Fixed(0, 4), &[], &[], None).unwrap();
    assert_eq!((empty.matched, empty.mean_reward), (0, None));
}

#[test]
fn simulator_rates_and_validation() {
    let env = BernoulliEnv::new(vec![0.2, 0.4]).with_drift(Drift::Linear {
        rates: vec![0.6, 0.0],
    });
    let mut r = Vec::new();
    env.rates_at(0, 11, &mut r);
    assert_eq!(r, vec![0.2, 0.4]);
    env.rates_at(10, 11, &mut r);
    assert!((r[0] - 0.6).abs() < 1e-15 && r[1].abs() < 1e-15);
    env.rates_at(5, 11, &mut r);
    assert!((r[0] - 0.4).abs() < 1e-15 && (r[1] - 0.2).abs() < 1e-15);
    let mut ts = BernoulliTsParams::default().build(2).unwrap();
    let sim = simulate_bernoulli(&mut ts, &env, 11, 1).unwrap();
    // Uniform regret: Σ_t (max − mean) with max − mean = |r0 − r1| / 2.
    let want: f64 = (0..11)
        .map(|t| {
            let w = t as f64 / 10.0;
            ((0.2 + 0.4 * w) - (0.4 - 0.4 * w)).abs() / 2.0
        })
        .sum();
    assert!((sim.uniform_regret[10] - want).abs() < 1e-12);
    assert!(BernoulliEnv::new(vec![0.5, 1.5]).check().is_err());
    assert!(simulate_bernoulli(&mut ts, &BernoulliEnv::new(vec![0.5]), 10, 1).is_err());
    let bad = BernoulliEnv::new(vec![0.5, 0.5]).with_drift(Drift::Switch {
        at: 1,
        rates: vec![0.1],
    });
    assert!(simulate_bernoulli(&mut ts, &bad, 10, 1).is_err());
    let mut lin = LinearTsParams::default().build(2, 2).unwrap();
    assert!(simulate_bernoulli(&mut lin, &BernoulliEnv::new(vec![0.5, 0.5]), 10, 1).is_err());
}

// ---------------------------------------------------------------------------------------------
// Batch updates: column types, the 0/1 tally, all or nothing

/// Applies `rows` one `update` at a time.
fn sequential<M: ArmModel>(mut ts: ContextFreeTs<M>, arms: &[usize], rewards: &[f64]) -> String {
    for (&a, &r) in arms.iter().zip(rewards) {
        ts.update(a, r).unwrap();
    }
    ts.to_json().unwrap()
}

#[test]
fn batches_equal_single_updates_bit_for_bit_for_every_column_type() {
    let mut rng = Rng::seed_from_u64(11);
    let n = 5_000;
    let arms: Vec<usize> = (0..n).map(|_| rng.random_range(0..7)).collect();
    let binary: Vec<f64> = (0..n).map(|_| f64::from(rng.random_bool(0.2))).collect();
    let fractional: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
    let fresh = || BernoulliTsParams::default().seed(3).build(7).unwrap();

    // 0/1 rewards take the tally; the state is exactly that of single updates.
    let want = sequential(fresh(), &arms, &binary);
    let codes_i8: Vec<i8> = arms.iter().map(|&a| a as i8).collect();
    let codes_i64: Vec<i64> = arms.iter().map(|&a| a as i64).collect();
    let as_bool: Vec<bool> = binary.iter().map(|&r| r == 1.0).collect();
    let as_i64: Vec<i64> = binary.iter().map(|&r| r as i64).collect();
    let as_f32: Vec<f32> = binary.iter().map(|&r| r as f32).collect();
    let check = |f: &dyn Fn(&mut BernoulliTs) -> Result<(), Ki3Error>| {
        let mut ts = fresh();
        f(&mut ts).unwrap();
        assert_eq!(ts.to_json().unwrap(), want);
    };
    check(&|ts| ts.update_batch(&arms, &binary));
    check(&|ts| ts.update_batch(&codes_i8, &as_bool));
    check(&|ts| ts.update_batch(&codes_i64, &as_i64));
    check(&|ts| ts.update_batch(&codes_i64, &as_f32));
    // Split batches (odd sizes exercise the tally's remainder rows) add up the same.
    check(&|ts| {
        ts.update_batch(&arms[..1_001], &binary[..1_001])?;
        ts.update_batch(&arms[1_001..], &binary[1_001..])
    });

    // Fractional rewards (and 0/1 rewards after them) go row by row: still exact.
    let mut rewards = fractional[..2_000].to_vec();
    rewards.extend_from_slice(&binary[2_000..]);
    let want = sequential(fresh(), &arms, &rewards);
    let mut ts = fresh();
    ts.update_batch(&arms[..2_000], &rewards[..2_000]).unwrap();
    ts.update_batch(&arms[2_000..], &rewards[2_000..]).unwrap();
    assert_eq!(ts.to_json().unwrap(), want);

    // Discounted and Gaussian policies too.
    let discounted = || {
        BernoulliTsParams::default()
            .discount(0.995)
            .build(7)
            .unwrap()
    };
    let mut ts = discounted();
    ts.update_batch(&codes_i64, &as_i64).unwrap();
    assert_eq!(
        ts.to_json().unwrap(),
        sequential(discounted(), &arms, &binary)
    );
    let gaussian = || GaussianTsParams::default().build(7).unwrap();
    let mut g = gaussian();
    g.update_batch(&codes_i8, &fractional).unwrap();
    assert_eq!(
        g.to_json().unwrap(),
        sequential(gaussian(), &arms, &fractional)
    );

    // A batch large enough to be tallied in parallel blocks: the same state as single
    // updates, on one thread or several.
    let big = 600_000;
    let big_arms: Vec<i32> = (0..big).map(|_| rng.random_range(0..7)).collect();
    let big_rewards: Vec<bool> = (0..big).map(|_| rng.random_bool(0.1)).collect();
    let as_usize: Vec<usize> = big_arms.iter().map(|&a| a as usize).collect();
    let as_f64: Vec<f64> = big_rewards
        .iter()
        .map(|&r| f64::from(u8::from(r)))
        .collect();
    let want_big = sequential(fresh(), &as_usize, &as_f64);
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut ts = fresh();
        pool.install(|| ts.update_batch(&big_arms, &big_rewards))
            .unwrap();
        assert_eq!(ts.to_json().unwrap(), want_big, "{threads} threads");
    }
    // A bad row deep inside a parallel block is still found, and nothing changes.
    let mut bad = big_arms.clone();
    bad[555_555] = 7;
    let mut ts = fresh();
    let err = ts.update_batch(&bad, &big_rewards).unwrap_err().to_string();
    assert!(err.contains("row 555555"), "{err}");
    assert_eq!(ts.to_json().unwrap(), fresh().to_json().unwrap());

    // Fewer rows than arms (validated, then applied in place): the same as single updates.
    let many = || BernoulliTsParams::default().seed(3).build(1_000).unwrap();
    let few_arms = [999usize, 3, 3, 500];
    let few_rewards = [1.0, 0.25, 0.0, 1.0];
    let mut ts = many();
    ts.update_batch(&few_arms, &few_rewards).unwrap();
    assert_eq!(
        ts.to_json().unwrap(),
        sequential(many(), &few_arms, &few_rewards)
    );
    let before = ts.to_json().unwrap();
    assert!(ts.update_batch(&[1usize, 1000], &[1.0, 1.0]).is_err());
    assert!(ts.update_batch(&[1usize, 2], &[1.0, 1.5]).is_err());
    assert_eq!(ts.to_json().unwrap(), before);

    // The posterior counts are the tallies.
    let mut ts = fresh();
    ts.update_batch(&arms, &binary).unwrap();
    for (arm, s) in ts.summary(0.9).unwrap().iter().enumerate() {
        let rows = arms.iter().filter(|&&a| a == arm).count();
        assert_eq!(s.n, rows as f64);
    }
}

#[test]
fn rejected_batches_name_the_row_and_change_nothing() {
    let mut ts = BernoulliTsParams::default().build(3).unwrap();
    ts.update_batch(&[0usize, 1, 2], &[1.0, 0.0, 1.0]).unwrap();
    let before = ts.to_json().unwrap();
    let rejected = |batch: &dyn Fn(&mut BernoulliTs) -> Result<(), Ki3Error>, row, text| {
        let mut copy = ts.clone();
        let msg = batch(&mut copy).unwrap_err().to_string();
        assert!(
            msg.contains(&format!("row {row}")) && msg.contains(text),
            "{msg}"
        );
        assert_eq!(copy.to_json().unwrap(), before, "{msg}");
    };
    rejected(
        &|t| t.update_batch(&[0i64, -1, 2], &[1i64, 0, 1]),
        1,
        "negative",
    );
    rejected(
        &|t| t.update_batch(&[0i64, 1, 3], &[1i64, 0, 1]),
        2,
        "unknown arm 3",
    );
    rejected(
        &|t| t.update_batch(&[0i64, 1, 2], &[1i64, 2, 1]),
        1,
        "got 2",
    );
    rejected(&|t| t.update_batch(&[0i32, 1], &[-1i64, 0]), 0, "got -1");
    rejected(
        &|t| t.update_batch(&[0u8, 1, 2, 0], &[1.0, 0.0, 0.5, f64::NAN]),
        3,
        "reward",
    );
    // A bad row after valid fractional rows (the row-by-row path) changes nothing either.
    rejected(
        &|t| t.update_batch(&[0u8, 1, 2], &[0.5, 0.25, 1.5]),
        2,
        "got 1.5",
    );
}

#[test]
fn cached_samplers_never_outlive_their_statistics() {
    // A policy reloaded before every decision has no cached samplers; the long-lived one reuses
    // them between updates. Both must make the same decisions, with and without discounting.
    for discount in [1.0, 0.97] {
        let mut rng = Rng::seed_from_u64(5);
        let mut live = BernoulliTsParams::default()
            .discount(discount)
            .seed(9)
            .build(6)
            .unwrap();
        let mut gauss = GaussianTsParams::default().seed(9).build(6).unwrap();
        for step in 0..3_000 {
            let reloaded = BernoulliTs::from_json(&live.to_json().unwrap())
                .unwrap()
                .choose(None)
                .unwrap();
            let g_reloaded = GaussianTs::from_json(&gauss.to_json().unwrap())
                .unwrap()
                .choose(None)
                .unwrap();
            assert_eq!(live.choose(None).unwrap(), reloaded, "step {step}");
            assert_eq!(gauss.choose(None).unwrap(), g_reloaded, "step {step}");
            if step % 3 != 0 {
                let arm = rng.random_range(0..6);
                live.update(arm, f64::from(rng.random_bool(0.3))).unwrap();
                gauss.update(arm, rng.random::<f64>()).unwrap();
            }
            if step % 500 == 499 {
                let arms: Vec<u8> = (0..50).map(|_| rng.random_range(0..6)).collect();
                live.update_batch(&arms, &[1.0; 50]).unwrap();
            }
        }
    }
}
