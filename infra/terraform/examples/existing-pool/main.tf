# cognito-relay for a pool this configuration does not manage (created in the console, by another
# team, by another tool). Terraform creates the relay; `cognito-relay attach` wires the pool
# without resetting its other settings. If the pool IS in your Terraform state, use the
# native lambda_config block as in ../new-pool instead.
#
#   terraform init && terraform apply -var 'user_pool_id=eu-west-1_AbCdEf123' -var 'from=…' -var 'sendgrid_secret_arn=…' \
#     -var 'key_administrator_arns=["arn:aws:iam::111122223333:role/deployer"]'
#   $(terraform output -raw attach_command) --dry-run     # look first
#   $(terraform output -raw attach_command)

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.31.0, < 7.0.0"
    }
  }
}

provider "aws" {}

variable "user_pool_id" {
  type = string
}

variable "from" {
  type = string
}

variable "sendgrid_secret_arn" {
  type = string
}

variable "key_administrator_arns" {
  description = "Who administers the new key: include the role that runs terraform apply."
  type        = list(string)
}

module "relay" {
  source = "../../modules/cognito-relay"

  lambda_zip_path = "${path.root}/../../../../dist/lambda.zip"
  user_pool_id    = var.user_pool_id

  key_administrator_arns  = var.key_administrator_arns
  key_policy_user_pool_id = var.user_pool_id # the pool exists apart from the key: name it

  email = {
    providers = ["sendgrid"]
    from      = var.from
  }
  secret_arns = { SENDGRID_API_KEY = var.sendgrid_secret_arn }
}

output "attach_command" {
  value = module.relay.attach_command
}

output "function_arn" {
  value = module.relay.function_arn
}

output "key_arn" {
  value = module.relay.key_arn
}

output "log_group_name" {
  value = module.relay.log_group_name
}
