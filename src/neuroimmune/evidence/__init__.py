"""Human data and the findings the model is judged by: data files, the evidence table, the scorecard."""
