output "link_base_url" {
  description = "https://<distribution domain>/: the relay's LINK_BASE_URL (module cognito-relay: link_base_url)."
  value       = "https://${aws_cloudfront_distribution.this.domain_name}/"
}

output "bucket_name" {
  description = "The private bucket holding the page."
  value       = aws_s3_bucket.site.id
}

output "distribution_id" {
  description = "The CloudFront distribution (invalidate after changing the page outside Terraform)."
  value       = aws_cloudfront_distribution.this.id
}

output "secret_hash_url" {
  description = "The SECRET_HASH endpoint's function URL, when secret_hash is set."
  value       = var.secret_hash == null ? null : aws_lambda_function_url.secret_hash[0].function_url
}
