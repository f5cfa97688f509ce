output "function_arn" {
  description = "For lambda_config.custom_email_sender / custom_sms_sender lambda_arn."
  value       = aws_lambda_function.this.arn
}

output "function_name" {
  value = aws_lambda_function.this.function_name
}

output "key_arn" {
  description = "For lambda_config.kms_key_id (an ARN: Cognito rejects a key ID)."
  value       = local.key_arn
}

output "role_arn" {
  value = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "Where each delivery is logged."
  value       = aws_cloudwatch_log_group.this.name
}

output "dead_letter_queue_url" {
  description = "Messages given up after all retries."
  value       = aws_sqs_queue.dead_letters.url
}

output "idempotency_table_name" {
  value = local.idempotency_table_name
}

output "attach_command" {
  description = "For a pool not managed by this Terraform configuration: wires it, keeping every other setting."
  value       = "npx --no-install cognito-relay attach --user-pool-id ${var.user_pool_id} --function ${aws_lambda_function.this.arn} --kms-key ${local.key_arn}"
}
